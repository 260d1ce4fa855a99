-- Independent oracle: re-reports (hermelding) after each report, child view, same_incident 30:
-- the first later report of the same child with t > 30 and on or before fu; status per window
-- W (365, 730) as for re-entry.
WITH fu AS (
    {{followup}}
),
first_re AS (
    SELECT a.person_id, a.report_id, a.report_date AS idx,
           min(b.report_date) FILTER (WHERE b.report_date - a.report_date > 30 AND b.report_date <= f.fu) AS re,
           any_value(f.fu) AS fu
    FROM safety_reports a
    JOIN fu f USING (person_id)
    LEFT JOIN safety_reports b ON b.person_id = a.person_id
    GROUP BY ALL
),
w(window_days) AS (VALUES (365), (730))
SELECT w.window_days,
       CASE WHEN r.idx >= r.fu THEN 'dropped'
            WHEN r.re IS NOT NULL AND r.re - r.idx <= w.window_days THEN 'event'
            WHEN r.fu < r.idx + w.window_days THEN 'censored'
            ELSE 'no_event' END AS status,
       count(*) AS n
FROM first_re r CROSS JOIN w
GROUP BY ALL
ORDER BY ALL
