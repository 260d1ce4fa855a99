-- safety_windows: one row per safety index and configured window, in the order of the `safety`
-- rows and then of the windows (docs/definitions.md §4.1, §4.8.1: t_days is set only for a
-- re-report seen on or before the follow-up end, past the index's same-incident days). Not
-- stored, for the reason given in reentry_windows.sql: a view over `safety`. {{windows}} is
-- the run's list of safety windows in days.
CREATE VIEW safety_windows AS
SELECT person_id, index_no, index_kind, index_date, window_days,
       CASE WHEN dropped THEN 'dropped'
            WHEN t_days <= window_days THEN 'event'
            WHEN fu_date - index_date < window_days THEN 'censored'
            ELSE 'no_event' END AS status
FROM (SELECT person_id, index_no, index_kind, index_date, t_days, fu_date, dropped,
             unnest({{windows}}::BIGINT[]) AS window_days
      FROM safety);
