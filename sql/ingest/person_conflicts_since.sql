-- person_conflicts.sql for a new version made from a previous one: only persons the delivering
-- source delivers now or delivered before can change status (every other persons row is the
-- same file as before), so they are recomputed over all sources and the previous version's
-- list is kept for everybody else.
-- params: $1 glob of every persons file of the new version, $2 list of the source's persons
-- files (new and previous); with the kept part (person_conflicts_kept.sql), $3 the previous
-- version's conflicts file
WITH s AS (
    SELECT DISTINCT person_id FROM read_parquet($2)
),
fresh AS (
    SELECT person_id,
           string_agg(source || ':' || strftime(birth_date, '%Y-%m-%d') || ':' || sex, ' | ' ORDER BY source) AS versions
    FROM read_parquet($1) SEMI JOIN s USING (person_id)
    GROUP BY person_id
    HAVING count(DISTINCT birth_date) > 1 OR count(DISTINCT sex) > 1
)
SELECT * FROM fresh
{{kept}}
ORDER BY person_id;
