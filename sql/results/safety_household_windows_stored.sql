-- safety_household_windows of a run of results format 3 or earlier, whose `safety_household`
-- stored a row per index and window (with its status) rather than a row per index.
CREATE VIEW safety_household_windows AS SELECT * FROM safety_household;
