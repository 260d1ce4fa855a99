-- Views over the current store version. Paths are relative: the connection's
-- file_search_path is the version folder. Every table folder holds _schema/empty.parquet,
-- so a view always has a file to read.

-- Every person row of every source.
CREATE VIEW persons_all AS SELECT * FROM read_parquet('persons/*/*.parquet');

-- One row per person. When sources disagree, the rule is: a day-precise birth date beats a
-- month-precise one, then the delivery with the latest extracted_on wins, then the source
-- name that sorts first. The whole row of the winner is taken. (A person's bucket follows
-- from the pseudonym, so partitioning by it too changes nothing but lets bucket filters through.)
CREATE VIEW persons AS
SELECT * EXCLUDE (pick_)
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY bucket, person_id
        ORDER BY (birth_date_precision = 'day') DESC, extracted_on DESC, source
    ) AS pick_
    FROM persons_all
)
WHERE pick_ = 1;

CREATE VIEW relations AS SELECT * FROM read_parquet('relations/*/*.parquet');
CREATE VIEW households AS SELECT * FROM read_parquet('households/*/*.parquet');
CREATE VIEW residence AS SELECT * FROM read_parquet('residence/*/*.parquet');
CREATE VIEW care_episodes AS SELECT * FROM read_parquet('care_episodes/*/*.parquet');
CREATE VIEW measures AS SELECT * FROM read_parquet('measures/*/*.parquet');
CREATE VIEW safety_reports AS SELECT * FROM read_parquet('safety_reports/*/*.parquet');
CREATE VIEW measurements AS SELECT * FROM read_parquet('measurements/*/*.parquet');
CREATE VIEW population AS SELECT * FROM read_parquet('population/*/*.parquet');
-- offences: sql/views_offences.sql (a store written before offences has no folder for them);
-- questionnaire: sql/views_questionnaire.sql likewise; care_episodes of a schema version 2 store
-- get an empty `programme` (sql/views_care_programme_absent.sql).
