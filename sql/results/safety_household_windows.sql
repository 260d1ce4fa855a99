-- safety_household_windows: one row per index of the household view (docs/definitions.md
-- §4.8.2) and configured safety window, in the order of the `safety_household` rows and then of
-- the windows. Not stored, for the reason given in reentry_windows.sql: a view over
-- `safety_household` (an index on or after the index child's fu is dropped, §4.1.4; t_days is
-- set only for a re-report seen on or before fu). {{windows}} is the run's list of safety
-- windows in days.
CREATE VIEW safety_household_windows AS
SELECT person_id, index_no, household_id, index_date, fu_date, rereport_date, t_days, window_days,
       CASE WHEN index_date >= fu_date THEN 'dropped'
            WHEN t_days <= window_days THEN 'event'
            WHEN fu_date - index_date < window_days THEN 'censored'
            ELSE 'no_event' END AS status
FROM (SELECT person_id, index_no, household_id, index_date, fu_date, rereport_date, t_days,
             unnest({{windows}}::BIGINT[]) AS window_days
      FROM safety_household);
