-- Providers involved with the household within W after a report (issue 16, docs/definitions.md
-- §4.8.5): per family index and window whose days the index child's follow-up covers (fu >=
-- index + W), the number of distinct provider_ids of the care episodes of any member (every
-- role) active on a day of [index, index + W]: category `0`, `1`, `2` or `3_or_more`.
SELECT w.person_id, w.index_date AS entry_date, w.index_date, '' AS sub, w.window_days,
       CASE WHEN coalesce(p.providers, 0) >= 3 THEN '3_or_more' ELSE coalesce(p.providers, 0)::VARCHAR END AS category,
       NULL::BIGINT AS time_days, NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form, NULL AS measure_kind,
       coalesce(k.kind, 'unknown') AS report_kind
FROM study_family_windows w
LEFT JOIN (
    SELECT w.person_id, w.index_no, w.window_days, count(DISTINCT x.provider_id) AS providers
    FROM study_family_windows w JOIN study_family_members m USING (person_id, index_no)
    JOIN care_episodes x ON x.person_id = m.member
    WHERE x.start_date <= w.window_end AND (x.end_date IS NULL OR x.end_date >= w.index_date)
    GROUP BY ALL
) p USING (person_id, index_no, window_days)
LEFT JOIN study_report_kinds k ON k.person_id = w.person_id AND k.report_id = w.report_id
WHERE w.complete
