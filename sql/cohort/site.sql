-- Site: the person's site is one of the listed (docs/definitions.md §5.4: the `source` of the
-- persons row the store picks — a day-precise birth date, then the latest extracted_on, then the
-- source that sorts first — as the study split `site`, sql/study/rows.sql; read from the
-- store's files, so a study's changed-persons run sees the same).
CREATE OR REPLACE TEMP TABLE cohort_step AS
WITH sites AS (
    SELECT person_id, arg_min(source, (birth_date_precision <> 'day', DATE '9999-12-31' - extracted_on, source)) AS site
    FROM read_parquet('persons/*/*.parquet') SEMI JOIN cohort_step USING (person_id)
    GROUP BY ALL
)
SELECT c.* FROM cohort_step c JOIN sites s USING (person_id)
WHERE s.site IN (SELECT site FROM cohort_sites);
