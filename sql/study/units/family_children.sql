-- Children of the families in the period (issue 16, docs/definitions.md §4.8.6): one row per
-- family index and distinct child of the family (members with role `child` on the index date,
-- and the index child), a plain count. The row belongs to the family: dated, placed and sited
-- by the index child (person_id) on the report date, so a household's children lie in one
-- region and site; the child's own sex and age band (subject_id) split it.
SELECT DISTINCT f.person_id, f.index_date AS entry_date, f.index_date, '' AS sub, NULL::INTEGER AS window_days,
       'count' AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form,
       NULL AS measure_kind, coalesce(k.kind, 'unknown') AS report_kind, m.member AS subject_id
FROM study_family_index f JOIN study_family_members m USING (person_id, index_no)
LEFT JOIN study_report_kinds k ON k.person_id = f.person_id AND k.report_id = f.report_id
WHERE m.role = 'child'
