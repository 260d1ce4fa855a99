-- Independent oracle: re-reports after the end of each closed care spell (gap 31), child view,
-- no same-incident rule (0 < t <= W), on or before fu; status per window (365, 730).
WITH fu AS (
    {{followup}}
),
{{spells}},
idx AS (
    SELECT person_id, spell_no, max(e) AS idx FROM n GROUP BY ALL HAVING max(e) < DATE '9999-12-31'
),
first_re AS (
    SELECT i.person_id, i.spell_no, i.idx, any_value(f.fu) AS fu,
           min(r.report_date) FILTER (WHERE r.report_date > i.idx AND r.report_date <= f.fu) AS re
    FROM idx i
    JOIN fu f USING (person_id)
    LEFT JOIN safety_reports r ON r.person_id = i.person_id
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
