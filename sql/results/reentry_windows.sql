-- reentry_windows: one row per re-entry index and configured window, in the order of the
-- `reentry` rows and then of the windows (docs/definitions.md §4.1: "within W" is 0 < t <= W;
-- t_days is set only for a next spell start seen on or before the follow-up end; fu = index + W
-- is a complete window). Not stored: every column follows from the index row and the run's
-- windows, so it is a view over `reentry` wherever `reentry` is one (a whole run, a delta run,
-- the changed persons of a study). {{windows}} is the run's list of window lengths in days.
CREATE VIEW reentry_windows AS
SELECT person_id, spell_no, index_date, window_days,
       CASE WHEN dropped THEN 'dropped'
            WHEN t_days <= window_days THEN 'event'
            WHEN fu_date - index_date < window_days THEN 'censored'
            ELSE 'no_event' END AS status
FROM (SELECT person_id, spell_no, index_date, t_days, fu_date, dropped,
             unnest({{windows}}::BIGINT[]) AS window_days
      FROM reentry);
