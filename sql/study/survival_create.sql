-- The study's survival counts from every survival row (a full study run).
CREATE OR REPLACE TEMP TABLE study_survival AS
{{counts}};
