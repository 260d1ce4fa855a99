-- Safety, household (family) view: for every report index of a child with a household, the
-- first later report of ANY child of the same household with same_incident < t and on or
-- before the index child's follow-up end; status per window as in the child view. The index
-- children's safety rows come from household_safety: every one in a full run, those of the
-- children an incremental run recomputes otherwise (household_safety*.sql).
WITH idx AS (
    SELECT s.person_id, s.index_no, s.report_id, r.household_id, s.index_date, s.fu_date, s.dropped,
           s.same_incident_days
    FROM household_safety s
    -- Report ids are the sources' own: the index report is the child's report with that id.
    JOIN safety_reports r ON r.report_id = s.report_id AND r.person_id = s.person_id
    WHERE s.index_kind = 'report' AND r.household_id IS NOT NULL
),
first_re AS (
    SELECT i.person_id, i.index_no, i.household_id, i.index_date, i.fu_date, i.dropped,
           min(o.report_date) FILTER (WHERE o.report_date - i.index_date > i.same_incident_days
                                        AND o.report_date <= i.fu_date) AS rereport_date
    FROM idx i
    LEFT JOIN safety_reports o ON o.household_id = i.household_id AND o.report_id <> i.report_id
    GROUP BY ALL
),
w AS (SELECT DISTINCT window_days FROM safety_windows)
SELECT f.person_id, f.index_no, f.household_id, f.index_date, f.fu_date, f.rereport_date,
       (f.rereport_date - f.index_date)::BIGINT AS t_days, w.window_days,
       CASE WHEN f.dropped THEN 'dropped'
            WHEN f.rereport_date IS NOT NULL AND f.rereport_date - f.index_date <= w.window_days THEN 'event'
            WHEN f.fu_date < f.index_date + w.window_days::INTEGER THEN 'censored'
            ELSE 'no_event' END AS status
FROM first_re f CROSS JOIN w
ORDER BY f.person_id, f.index_no, w.window_days
