-- Independent oracle: re-entry (herhaald beroep) per window, counted by status.
-- Spells by gaps and islands (gap 31: merge while start - latest end so far <= 31; an open
-- episode never ends); index = end of each closed spell; event = next spell start on or
-- before fu; status per window W: dropped (index >= fu), event (t <= W), censored
-- (fu < index + W), else no_event.
WITH fu AS (
    {{followup}}
),
{{spells}},
spells AS (
    SELECT person_id, spell_no, min(s) AS start, max(e) AS end_ FROM n GROUP BY ALL
),
idx AS (
    SELECT person_id, end_ AS idx, lead(start) OVER (PARTITION BY person_id ORDER BY spell_no) AS next_start
    FROM spells
),
w(window_days) AS (VALUES (182), (365), (730))
SELECT w.window_days,
       CASE WHEN i.idx >= f.fu THEN 'dropped'
            WHEN i.next_start IS NOT NULL AND i.next_start <= f.fu AND i.next_start - i.idx <= w.window_days THEN 'event'
            WHEN f.fu < i.idx + w.window_days THEN 'censored'
            ELSE 'no_event' END AS status,
       count(*) AS n
FROM idx i JOIN fu f USING (person_id) CROSS JOIN w
WHERE i.idx < DATE '9999-12-31'
GROUP BY ALL
ORDER BY ALL
