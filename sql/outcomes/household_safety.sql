-- The safety rows the household view reads: all of them (an incremental run that merges its
-- changes into new base files; a run computing every bucket collects them as it goes instead,
-- src/results/household.rs).
CREATE OR REPLACE TEMP VIEW household_safety AS SELECT * FROM safety;
