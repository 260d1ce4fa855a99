-- Yardstick (benches/scale.sh): escalation and de-escalation within 365 days of each spell
-- start (doorstroom), written by hand in DuckDB SQL over the store views, giving the rows of
-- the `kohort outcomes` summary for this family (docs/definitions.md §4.1, §4.5-4.6).
-- Run: kohort sql --store S --file THIS
--
-- Spell starts in one window pass (an episode starting more than 31 days after the latest end
-- of the person's earlier episodes). The index level is the highest level of the episodes
-- starting on the index day: an earlier episode still active that day would have joined the
-- spell. The level can change only on a start or the day after an end; on each such day in
-- (index, index + 365] the level is the highest of the episodes active then. Escalation = the
-- first such day above the index level or a protection measure start; de-escalation = the
-- first such day with 0 < level < index level; either counts on or before fu.
WITH fu AS (
    SELECT person_id,
           least(death_date, emigration_date, extracted_on,
                 CASE WHEN month(birth_date) = 2 AND day(birth_date) = 29
                           AND NOT ((year(birth_date) + 18) % 4 = 0
                                    AND ((year(birth_date) + 18) % 100 <> 0 OR (year(birth_date) + 18) % 400 = 0))
                      THEN make_date(year(birth_date) + 18, 3, 1)
                      ELSE make_date(year(birth_date) + 18, month(birth_date), day(birth_date)) END) AS fu
    FROM persons
),
lad(care_form, level) AS (
    VALUES ('local_team', 1), ('ambulant', 2), ('network', 2), ('day_treatment', 3),
           ('foster_care', 4), ('family_home', 4), ('residential', 5), ('secure', 6)
),
e AS (
    SELECT c.person_id, c.start_date AS s, coalesce(c.end_date, DATE '9999-12-31') AS e, l.level
    FROM care_episodes c JOIN lad l USING (care_form)
),
o AS (
    SELECT *, max(e) OVER (PARTITION BY person_id ORDER BY s
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest
    FROM e
),
idx AS (
    SELECT person_id, s AS idx, max(level) AS idx_level
    FROM o
    WHERE (person_id, s) IN (SELECT (person_id, s) FROM o WHERE latest IS NULL OR s - latest > 31)
    GROUP BY ALL
),
days AS (
    SELECT person_id, s AS d FROM e
    UNION
    SELECT person_id, e + 1 FROM e WHERE e < DATE '9999-12-31'
),
lv AS (
    SELECT i.person_id, i.idx, i.idx_level, c.d,
           (SELECT coalesce(max(x.level), 0) FROM e x
            WHERE x.person_id = c.person_id AND x.s <= c.d AND x.e >= c.d) AS level
    FROM idx i JOIN days c ON c.person_id = i.person_id AND c.d > i.idx AND c.d <= i.idx + 365
),
shift AS (
    SELECT person_id, idx,
           min(d) FILTER (WHERE level > idx_level) AS up,
           min(d) FILTER (WHERE level > 0 AND level < idx_level) AS down
    FROM lv GROUP BY ALL
),
frame AS (
    SELECT i.person_id, i.idx, min(m.start_date) AS m
    FROM idx i JOIN measures m ON m.person_id = i.person_id
    WHERE m.kind IN ('ots', 'provisional_ots', 'guardianship', 'provisional_guardianship')
      AND m.start_date > i.idx AND m.start_date <= i.idx + 365
    GROUP BY ALL
),
ev AS (
    SELECT i.person_id, i.idx, least(s.up, f.m) AS esc, s.down AS de
    FROM idx i
    LEFT JOIN shift s ON s.person_id = i.person_id AND s.idx = i.idx
    LEFT JOIN frame f ON f.person_id = i.person_id AND f.idx = i.idx
),
st AS (
    SELECT 'escalation after a spell start (doorstroom)' AS outcome, v.idx, f.fu, v.esc AS event FROM ev v JOIN fu f USING (person_id)
    UNION ALL
    SELECT 'de-escalation after a spell start', v.idx, f.fu, v.de FROM ev v JOIN fu f USING (person_id)
),
status AS (
    SELECT outcome,
           CASE WHEN idx >= fu THEN 'dropped'
                WHEN event <= fu THEN 'event'
                WHEN fu < idx + 365 THEN 'censored'
                ELSE 'no_event' END AS status
    FROM st
)
SELECT outcome, 365 AS window_days,
       count(*) FILTER (WHERE status = 'event') AS events,
       count(*) FILTER (WHERE status IN ('event', 'no_event')) AS denominator,
       round(100.0 * count(*) FILTER (WHERE status = 'event')
             / nullif(count(*) FILTER (WHERE status IN ('event', 'no_event')), 0), 1) AS pct,
       count(*) FILTER (WHERE status = 'censored') AS censored,
       count(*) FILTER (WHERE status = 'dropped') AS dropped
FROM status
GROUP BY ALL
ORDER BY ALL;
