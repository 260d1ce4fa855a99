-- An out-of-home placement of any child of the household within W after a report (issue 16,
-- docs/definitions.md §4.8.5): per family index and window, event = a care episode of an
-- out-of-home form of the run's ladder (level out_of_home_from and up, §3.3; by default
-- foster_care, family_home, residential, secure: study_out_of_home_forms) of a child member
-- starting in (index, index + W] and on or before the index child's fu; no_event when
-- fu >= index + W; else censored (left out).
SELECT * FROM (
    SELECT w.person_id, w.index_date AS entry_date, w.index_date, '' AS sub, w.window_days,
           CASE WHEN e.first_start IS NOT NULL AND e.first_start <= w.window_end THEN 'event'
                WHEN w.complete THEN 'no_event' ELSE 'censored' END AS category,
           NULL::BIGINT AS time_days, NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form, NULL AS measure_kind,
           coalesce(k.kind, 'unknown') AS report_kind
    FROM study_family_windows w
    LEFT JOIN (
        SELECT f.person_id, f.index_no, min(x.start_date) AS first_start
        FROM study_family_index f JOIN study_family_members m USING (person_id, index_no)
        JOIN care_episodes x ON x.person_id = m.member
        WHERE m.role = 'child' AND x.care_form IN (SELECT care_form FROM study_out_of_home_forms)
          AND x.start_date > f.index_date AND x.start_date <= f.fu_date
        GROUP BY ALL
    ) e USING (person_id, index_no)
    LEFT JOIN study_report_kinds k ON k.person_id = w.person_id AND k.report_id = w.report_id
) WHERE category IN ('event', 'no_event')
