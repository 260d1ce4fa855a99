-- The family index's settings (setup.sql, study_family_settings). params: $1 the kind of family
-- index (report, measure_start, spell_start), $2 the run's safety age limit, $3 its
-- same_incident_days.
INSERT INTO study_family_settings VALUES ($1, $2, $3);
