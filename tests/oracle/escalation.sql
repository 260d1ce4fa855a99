-- Independent oracle: escalation and de-escalation within 365 days of each spell start
-- (docs/definitions.md §4.6), counted by status. The level on a day is the highest ladder level of the
-- episodes active that day (start <= d <= end, open = active). Escalation = the first day in
-- (index, index + 365] with a level above the index level, which can only be the start of an
-- episode of a higher level, or the start of a protection measure. De-escalation = the first
-- day with a level above 0 and below the index level, which can only be a start or the day
-- after an end. Events count on or before fu.
WITH fu AS (
    {{followup}}
),
lad(care_form, level) AS (
    VALUES ('local_team', 1), ('ambulant', 2), ('network', 2), ('day_treatment', 3),
           ('foster_care', 4), ('family_home', 4), ('residential', 5), ('secure', 6)
),
e AS (
    SELECT c.person_id, c.episode_id, c.start_date AS s, coalesce(c.end_date, DATE '9999-12-31') AS e, l.level
    FROM care_episodes c JOIN lad l USING (care_form)
),
o AS (
    SELECT *, max(e) OVER (PARTITION BY person_id ORDER BY s, episode_id
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_end
    FROM e
),
n AS (
    SELECT *, sum(CASE WHEN latest_end IS NULL OR s - latest_end > 31 THEN 1 ELSE 0 END)
                  OVER (PARTITION BY person_id ORDER BY s, episode_id) AS spell_no
    FROM o
),
idx AS (
    SELECT person_id, min(s) AS idx FROM n GROUP BY person_id, spell_no
),
lvl AS (
    SELECT i.person_id, i.idx, max(e.level) AS idx_level
    FROM idx i JOIN e ON e.person_id = i.person_id AND e.s <= i.idx AND e.e >= i.idx
    GROUP BY ALL
),
esc AS (
    SELECT l.*,
           least(
               (SELECT min(e.s) FROM e WHERE e.person_id = l.person_id AND e.s > l.idx
                    AND e.s <= l.idx + 365 AND e.level > l.idx_level),
               (SELECT min(m.start_date) FROM measures m WHERE m.person_id = l.person_id
                    AND m.kind IN ('ots', 'provisional_ots', 'guardianship', 'provisional_guardianship')
                    AND m.start_date > l.idx AND m.start_date <= l.idx + 365)
           ) AS esc
    FROM lvl l
),
cand AS (
    SELECT l.person_id, l.idx, l.idx_level, c.d
    FROM lvl l
    JOIN (SELECT person_id, s AS d FROM e UNION SELECT person_id, e + 1 FROM e WHERE e < DATE '9999-12-31') c
      ON c.person_id = l.person_id AND c.d > l.idx AND c.d <= l.idx + 365
),
cand_level AS (
    SELECT c.*, (SELECT coalesce(max(e.level), 0) FROM e
                 WHERE e.person_id = c.person_id AND e.s <= c.d AND e.e >= c.d) AS level
    FROM cand c
),
deesc AS (
    SELECT person_id, idx, min(d) FILTER (WHERE level > 0 AND level < idx_level) AS de
    FROM cand_level GROUP BY ALL
),
status AS (
    SELECT 'escalation' AS what,
           CASE WHEN x.idx >= f.fu THEN 'dropped'
                WHEN x.esc IS NOT NULL AND x.esc <= f.fu THEN 'event'
                WHEN f.fu < x.idx + 365 THEN 'censored'
                ELSE 'no_event' END AS status
    FROM esc x JOIN fu f USING (person_id)
    UNION ALL
    SELECT 'deescalation',
           CASE WHEN x.idx >= f.fu THEN 'dropped'
                WHEN d.de IS NOT NULL AND d.de <= f.fu THEN 'event'
                WHEN f.fu < x.idx + 365 THEN 'censored'
                ELSE 'no_event' END
    FROM esc x JOIN fu f USING (person_id) LEFT JOIN deesc d ON d.person_id = x.person_id AND d.idx = x.idx
)
SELECT what, status, count(*) AS n FROM status GROUP BY ALL ORDER BY ALL
