-- Re-report after a report, family view (docs/definitions.md §4.8.2): every report carrying a
-- household, with a known status per window.
SELECT h.person_id, h.index_date AS entry_date, h.index_date, '' AS sub, h.window_days::INTEGER AS window_days,
       h.status AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       NULL AS level, NULL AS care_form, NULL AS measure_kind, coalesce(k.kind, 'unknown') AS report_kind
FROM safety_household_windows h JOIN safety x USING (person_id, index_no)
LEFT JOIN study_report_kinds k ON k.person_id = x.person_id AND k.report_id = x.report_id
WHERE h.status IN ('event', 'no_event')
