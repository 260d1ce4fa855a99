-- The years the tables take from the data when the study file does not fix them
-- (docs/definitions.md §5.11-§5.13): the parent year of period `all` (the year of `to`, else
-- the last index year of the study's rows); the class year of the size classes of period
-- `all` (the last population year not after the parent year, else the first population year);
-- the standard year of the age-standardised rates (the last year of the rate periods).
UPDATE study_settings SET parent_year = coalesce(parent_year, (
    SELECT max(y) FROM (SELECT max(index_year) AS y FROM study_atoms
                        UNION ALL SELECT max(index_year) FROM study_km_atoms
                        UNION ALL SELECT max(index_year) FROM study_rate_atoms)));
UPDATE study_settings SET class_year = coalesce(
    (SELECT max(year) FROM study_population WHERE year <= (SELECT parent_year FROM study_settings)),
    (SELECT min(year) FROM study_population));
UPDATE study_settings SET standard_year = coalesce(standard_year, (SELECT max(year) FROM study_periods));
