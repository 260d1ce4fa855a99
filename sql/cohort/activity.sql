-- The activity filter's direction (docs/definitions.md §5.6): $1 = exclude (spells with no
-- matching episode instead of those with one). Filled for every cohort; read by entry activity.
CREATE OR REPLACE TEMP TABLE cohort_activity AS SELECT $1::BOOLEAN AS exclude;
