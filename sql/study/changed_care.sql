-- Care episodes of the persons in {{who}} (a table name; an incremental study run reads the
-- changed persons' only), read once, with the columns the cohort rules and the study rows use
-- (provider_id: activity cohorts and the provider split).
CREATE TABLE changed_care_episodes AS
SELECT person_id, episode_id, care_form, provider_id, start_date, end_date
FROM read_parquet('care_episodes/*/*.parquet')
WHERE person_id IN (SELECT person_id FROM {{who}});
CREATE VIEW care_episodes AS SELECT * FROM changed_care_episodes;
