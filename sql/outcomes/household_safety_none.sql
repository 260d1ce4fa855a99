-- The safety rows the household view reads in a run without the safety family: none (its
-- `safety` table is empty). Written as LIMIT 0, the planner folds the view's joins with the
-- store's reports into an empty result instead of reading every report.
CREATE OR REPLACE TEMP VIEW household_safety AS SELECT * FROM safety LIMIT 0;
