-- The added periods' rate rows of the persons not changed since the cache join the rate rows
-- of this run (the changed persons' rows already cover every period): their counts are added,
-- and they go to the cache's delta file, where they count as those persons' rows from now on.
INSERT INTO study_rate_rows
SELECT * FROM study_rate_rows_added WHERE person_id NOT IN (SELECT person_id FROM study_changed);
DROP TABLE study_rate_rows_added;
