-- Whether the care_episodes view has the `programme` column (stores of schema version 3 on).
SELECT count(*) > 0 FROM (DESCRIBE care_episodes) WHERE column_name = 'programme';
