-- The index rows are in study_rows now.
DROP TABLE study_units;
