-- No care episodes: the cache has the care form of every changed member's index spell.
CREATE VIEW care_episodes AS
SELECT person_id, episode_id, care_form, start_date, end_date FROM read_parquet('care_episodes/_schema/*.parquet');
