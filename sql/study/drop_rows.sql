-- The study rows and rate rows are counted (and cached) once the tables are built from the
-- counts: they go, so that their memory is free for the tables.
DROP TABLE study_rows;
DROP TABLE study_rate_rows;
