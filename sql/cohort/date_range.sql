-- Entry date range (inclusive). params: $1 from, $2 to
CREATE OR REPLACE TEMP TABLE cohort_step AS
SELECT * FROM cohort_step WHERE index_date >= $1::DATE AND index_date <= $2::DATE;
