-- The members of the cohort just built (cohort_step, src/cohort.rs). params: $1 cohort name
INSERT INTO study_members SELECT $1, person_id, index_date FROM cohort_step;
