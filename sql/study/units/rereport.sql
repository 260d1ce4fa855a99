-- Re-report after a report, child view (docs/definitions.md §4.8.1): every report with a known
-- status per window; its kind is the report_kind split.
SELECT w.person_id, w.index_date AS entry_date, w.index_date, '' AS sub, w.window_days::INTEGER AS window_days,
       w.status AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       NULL AS level, NULL AS care_form, NULL AS measure_kind, coalesce(k.kind, 'unknown') AS report_kind
FROM safety_windows w JOIN safety x USING (person_id, index_no)
LEFT JOIN study_report_kinds k ON k.person_id = x.person_id AND k.report_id = x.report_id
WHERE w.index_kind = 'report' AND w.status IN ('event', 'no_event')
