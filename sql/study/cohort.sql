-- A cohort of the study and its top level. params: $1 name, $2 top level, $3 top region
INSERT INTO study_cohorts VALUES ($1, $2, $3);
