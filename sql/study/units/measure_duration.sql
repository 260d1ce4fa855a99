-- Measure duration (docs/definitions.md §4.10): a curve row per protection measure episode with
-- a duration (event = the episode ended; open ones censored at fu). Entry and index = its start.
SELECT m.person_id, m.start AS entry_date, m.start AS index_date, '' AS sub, NULL::INTEGER AS window_days,
       NULL AS category, m.duration_days AS time_days, NOT m.censored AS event,
       NULL AS level, NULL AS care_form, m.kind AS measure_kind, NULL AS report_kind
FROM measure_episodes m
WHERE m.protection AND m.duration_days IS NOT NULL
