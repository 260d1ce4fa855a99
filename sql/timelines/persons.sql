-- The persons of one bucket who have an event the run needs (a person without events has no
-- outcome rows), one row each, unordered (sorted in Rust). The files of one bucket are read
-- directly; the semi-join comes before the cross-source rule, which is the rule of the
-- `persons` view in sql/views.sql (day-precise birth date, latest extracted_on, source name).
-- params: persons glob, episodes glob, measures wanted, measures glob, reports wanted, reports glob
SELECT person_id, birth_date, sex, death_date, emigration_date, extracted_on
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY person_id
        ORDER BY (birth_date_precision = 'day') DESC, extracted_on DESC, source
    ) AS pick_
    FROM read_parquet($1)
    SEMI JOIN (
        SELECT person_id FROM read_parquet($2)
        UNION SELECT person_id FROM read_parquet($4) WHERE $3
        UNION SELECT person_id FROM read_parquet($6) WHERE $5
    ) USING (person_id)
)
WHERE pick_ = 1;
