-- A new safety report about any child of the household within W after the family index (issue
-- 16, docs/definitions.md §4.8.5): per family index and window, event = a report about a child
-- member (the index child included) dated in (index + skip, index + W] and on or before the
-- index child's fu, where skip is the run's same_incident_days when the index is a report (a
-- report within it is the same incident, §4.8.1) and 0 otherwise (§4.8.3); no_event when
-- fu >= index + W; else censored (left out).
SELECT * FROM (
    SELECT w.person_id, w.index_date AS entry_date, w.index_date, '' AS sub, w.window_days,
           CASE WHEN e.first_report IS NOT NULL AND e.first_report <= w.window_end THEN 'event'
                WHEN w.complete THEN 'no_event' ELSE 'censored' END AS category,
           NULL::BIGINT AS time_days, NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form, NULL AS measure_kind,
           coalesce(k.kind, 'unknown') AS report_kind
    FROM study_family_windows w
    LEFT JOIN (
        SELECT f.person_id, f.index_no, min(r.report_date) AS first_report
        FROM study_family_index f CROSS JOIN study_family_settings fs
        JOIN study_family_members m USING (person_id, index_no)
        JOIN safety_reports r ON r.person_id = m.member
        WHERE m.role = 'child' AND r.report_date <= f.fu_date
          AND r.report_date - f.index_date > CASE fs.entry WHEN 'report' THEN fs.same_incident_days ELSE 0 END
        GROUP BY ALL
    ) e USING (person_id, index_no)
    LEFT JOIN study_report_kinds k ON k.person_id = w.person_id AND k.report_id = w.report_id
) WHERE category IN ('event', 'no_event')
