-- New reports in the period (issue 16, docs/definitions.md §4.8.6): every row of
-- `safety_reports` (two reports on one day are two), dated by its report date, a plain count;
-- its kind is the report_kind split. No follow-up is needed, so no report is dropped.
SELECT r.person_id, r.report_date AS entry_date, r.report_date AS index_date, '' AS sub, NULL::INTEGER AS window_days,
       'count' AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form,
       NULL AS measure_kind, coalesce(r.kind, 'unknown') AS report_kind
FROM safety_reports r
