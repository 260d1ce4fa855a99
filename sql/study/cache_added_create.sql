-- The rate rows of the periods added since a study's cache, for every person (computed over
-- the whole store by kohort and appended here): an empty table with the rate rows' columns.
CREATE OR REPLACE TEMP TABLE study_rate_rows_added AS SELECT * FROM study_rate_rows LIMIT 0;
