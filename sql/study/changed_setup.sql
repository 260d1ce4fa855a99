-- The persons an incremental study run recomputes (their rows in the store or the outcome run
-- changed since the study's cache), filled by kohort.
CREATE TABLE study_changed (person_id VARCHAR);
-- Those of them whose residence rows changed, and those whose care episodes changed.
CREATE TABLE study_relocated (person_id VARCHAR);
CREATE TABLE study_recared (person_id VARCHAR);
