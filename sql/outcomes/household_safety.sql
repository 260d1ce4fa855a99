-- The safety rows the household view reads: all of them (a full run).
CREATE OR REPLACE TEMP VIEW household_safety AS SELECT * FROM safety;
