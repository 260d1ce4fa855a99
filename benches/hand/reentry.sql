-- Yardstick (benches/scale.sh): re-entry after a spell end (herhaald beroep), written by hand
-- in DuckDB SQL over the store views, giving the rows of the `kohort outcomes` summary for
-- this family (docs/definitions.md §4.2-4.3). Run: kohort sql --store S --file THIS
--
-- Spells in one window pass: an episode starts a new spell when it starts more than 31 days
-- after the latest end of the person's earlier episodes (an open episode never ends), and
-- that latest end is the end of the spell before it. Each person's last spell ends at the
-- latest end of all their episodes (open: no index).
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
o AS (
    SELECT person_id, start_date AS s,
           max(coalesce(end_date, DATE '9999-12-31')) OVER (
               PARTITION BY person_id ORDER BY start_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS latest,
           max(coalesce(end_date, DATE '9999-12-31')) OVER (PARTITION BY person_id) AS last_end
    FROM care_episodes
),
idx AS (
    SELECT person_id, latest AS idx, s AS next_start FROM o WHERE s - latest > 31
    UNION ALL
    SELECT person_id, last_end, NULL FROM o WHERE latest IS NULL AND last_end < DATE '9999-12-31'
),
w(window_days) AS (VALUES (182), (365), (730)),
st AS (
    SELECT w.window_days,
           CASE WHEN i.idx >= f.fu THEN 'dropped'
                WHEN i.next_start <= f.fu AND i.next_start - i.idx <= w.window_days THEN 'event'
                WHEN f.fu < i.idx + w.window_days THEN 'censored'
                ELSE 'no_event' END AS status
    FROM idx i JOIN fu f USING (person_id) CROSS JOIN w
)
SELECT 're-entry after a spell end (herhaald beroep)' AS outcome, window_days,
       count(*) FILTER (WHERE status = 'event') AS events,
       count(*) FILTER (WHERE status IN ('event', 'no_event')) AS denominator,
       round(100.0 * count(*) FILTER (WHERE status = 'event')
             / nullif(count(*) FILTER (WHERE status IN ('event', 'no_event')), 0), 1) AS pct,
       count(*) FILTER (WHERE status = 'censored') AS censored,
       count(*) FILTER (WHERE status = 'dropped') AS dropped
FROM st
GROUP BY ALL
ORDER BY ALL;
