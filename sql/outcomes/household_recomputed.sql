-- The household view's rows of the children an incremental run recomputes (filled by kohort,
-- src/outcomes/household.rs), in the columns of `safety_household`.
CREATE OR REPLACE TEMP TABLE household_recomputed (
    person_id VARCHAR, index_no UINTEGER, household_id VARCHAR, index_date DATE, fu_date DATE,
    rereport_date DATE, t_days BIGINT
);
