-- A protection measure for any child of the household within W after the family index (issue
-- 16, docs/definitions.md §4.8.5): per family index and window, event = a protection measure
-- episode (§3.5, the run's compulsory frame §3.4: not youth probation) of a child member
-- starting in (index, index + W] and on or before the index child's fu; no_event when
-- fu >= index + W; else censored (left out). An episode that started on or before the index
-- (a provisional measure joined later by the full one included) is no event.
SELECT * FROM (
    SELECT w.person_id, w.index_date AS entry_date, w.index_date, '' AS sub, w.window_days,
           CASE WHEN e.first_start IS NOT NULL AND e.first_start <= w.window_end THEN 'event'
                WHEN w.complete THEN 'no_event' ELSE 'censored' END AS category,
           NULL::BIGINT AS time_days, NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form, NULL AS measure_kind,
           coalesce(k.kind, 'unknown') AS report_kind
    FROM study_family_windows w
    LEFT JOIN (
        SELECT f.person_id, f.index_no, min(x.start) AS first_start
        FROM study_family_index f JOIN study_family_members m USING (person_id, index_no)
        JOIN measure_episodes x ON x.person_id = m.member
        WHERE m.role = 'child' AND x.protection AND x.start > f.index_date AND x.start <= f.fu_date
        GROUP BY ALL
    ) e USING (person_id, index_no)
    LEFT JOIN study_report_kinds k ON k.person_id = w.person_id AND k.report_id = w.report_id
) WHERE category IN ('event', 'no_event')
