-- A new report after the end of a measure episode (docs/definitions.md §4.8.4): entry = the
-- episode's start, index = its end; the episode's kind is the measure_kind split (youth
-- probation apart from the protection measures).
SELECT w.person_id, m.start AS entry_date, w.index_date, '' AS sub, w.window_days::INTEGER AS window_days,
       w.status AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       NULL AS level, NULL AS care_form, m.kind AS measure_kind, NULL AS report_kind
FROM safety_windows w JOIN safety x USING (person_id, index_no)
JOIN measure_episodes m ON m.person_id = x.person_id AND m.measure_id = x.measure_id
WHERE w.index_kind = 'measure_end' AND w.status IN ('event', 'no_event')
