-- No rows of a study table, with its columns: the empty delta of a fresh cache.
SELECT * FROM {{table}} LIMIT 0
