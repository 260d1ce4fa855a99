-- Care episodes of the persons in {{who}} (an incremental study run reads only those it
-- cannot take from its cache), read once, with the columns the cohort rules and the index
-- rows use.
CREATE TABLE changed_care_episodes AS
SELECT person_id, episode_id, care_form, start_date, end_date
FROM read_parquet('care_episodes/*/*.parquet')
WHERE person_id IN (SELECT person_id FROM {{who}});
CREATE VIEW care_episodes AS SELECT * FROM changed_care_episodes;
