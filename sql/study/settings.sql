-- The study's settings (setup.sql, study_settings). params: $1 period kind, $2 first and $3
-- last period in quarters, $4 whether figures are placed at the cohort date, $5 the standard
-- year (NULL: from the data), $6 the year of the study's `to` (NULL: from the data).
INSERT INTO study_settings VALUES ($1, $2, $3, $4, $5, NULL, $6);
