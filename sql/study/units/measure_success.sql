-- Measure success (docs/definitions.md §4.9): every closed measure episode; protection
-- measures and youth probation are two lines (sub `protection`, `youth_probation`). Entry =
-- the episode's start, index = its end.
SELECT m.person_id, m.start AS entry_date, m."end" AS index_date,
       CASE WHEN m.protection THEN 'protection' ELSE 'youth_probation' END AS sub, NULL::INTEGER AS window_days,
       CASE WHEN m.goal_reached THEN 'event' ELSE 'no_event' END AS category, NULL::BIGINT AS time_days,
       NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form, m.kind AS measure_kind, NULL AS report_kind
FROM measure_episodes m
WHERE m.closed
