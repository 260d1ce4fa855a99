-- A delivery whose data end (extracted_on) differs from the source's previous one moves the
-- follow-up end of every person whose persons row it supplies, and can switch which source's
-- row the cross-source rule picks: every person of the source's persons table, old and new,
-- counts as changed. params: glob of the previous persons files of this source
INSERT INTO changed
SELECT person_id, 'data_end' FROM {{ok}} WHERE person_id IS NOT NULL
UNION
SELECT person_id, 'data_end' FROM read_parquet(?) WHERE person_id IS NOT NULL;
