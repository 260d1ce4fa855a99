-- Families in the period (issue 16, docs/definitions.md §4.8.6): one row per family index
-- (family_index.sql: a household's first report in the period), a plain count. Dated, placed
-- and split like the family outcomes: the index child's report date, residence, site, sex and
-- age band; the kind of the index report.
SELECT f.person_id, f.index_date AS entry_date, f.index_date, '' AS sub, NULL::INTEGER AS window_days,
       'count' AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form,
       NULL AS measure_kind, coalesce(k.kind, 'unknown') AS report_kind
FROM study_family_index f
LEFT JOIN study_report_kinds k ON k.person_id = f.person_id AND k.report_id = f.report_id
