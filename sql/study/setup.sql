-- Inputs of a study run, filled by kohort: cohort members, the youth-region mapping, and the
-- locations and care forms an incremental run takes from its cache (empty in a full run).
CREATE OR REPLACE TEMP TABLE study_members (cohort VARCHAR, person_id VARCHAR, index_date DATE);
CREATE OR REPLACE TEMP TABLE study_regions (municipality VARCHAR, youth_region VARCHAR, from_year INTEGER, to_year INTEGER);
CREATE TABLE IF NOT EXISTS study_located_cache (person_id VARCHAR, index_date DATE, municipality VARCHAR, youth_region VARCHAR);
CREATE TABLE IF NOT EXISTS study_form_cache (person_id VARCHAR, index_date DATE, care_form VARCHAR);
