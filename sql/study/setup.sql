-- Inputs of a study run, filled by kohort: cohort members and the youth-region mapping.
CREATE OR REPLACE TEMP TABLE study_members (cohort VARCHAR, person_id VARCHAR, index_date DATE);
CREATE OR REPLACE TEMP TABLE study_regions (municipality VARCHAR, youth_region VARCHAR, from_year INTEGER, to_year INTEGER);
