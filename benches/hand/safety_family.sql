-- Yardstick (benches/scale.sh): the whole safety family, written by hand in DuckDB SQL over
-- the store views: re-reports at 365 and 730 days after a report (child view and household
-- view), after a spell end and after a measure episode end, giving every row of the
-- `kohort outcomes --only safety` summary (docs/definitions.md §4.1, §4.2, §3.5, §4.8.1-4.8.4).
-- benches/hand/safety.sql is the child view alone. Run: kohort sql --store S --file THIS
--
-- Re-report after a report: the first later report more than 30 days (same_incident) after it,
-- of the child (child view) or carrying the same household_id (household view; reports without
-- one are no index), in a window over the reports; the household view counts reports of
-- another id only. Spells as in reentry.sql (the end of each
-- closed spell is an index), measure episodes as in measures.sql (every kind; the end of each
-- closed episode is an index); after an end the first report of the child after it counts.
-- Seen when on or before the child's fu.
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
r AS (SELECT person_id, report_id, report_date, household_id FROM safety_reports),
child AS (
    SELECT 're-report after a report (hermelding)' AS outcome, person_id, report_date AS idx,
           min(report_date) OVER (PARTITION BY person_id ORDER BY report_date
                                  RANGE BETWEEN INTERVAL 31 DAYS FOLLOWING AND UNBOUNDED FOLLOWING) AS re
    FROM r
),
hw AS (
    SELECT person_id, report_id, household_id, report_date AS idx,
           min(report_date) OVER (PARTITION BY household_id ORDER BY report_date
                                  RANGE BETWEEN INTERVAL 31 DAYS FOLLOWING AND UNBOUNDED FOLLOWING) AS re
    FROM r WHERE household_id IS NOT NULL
),
-- The household view counts only reports of another id (report ids are each source's own, so
-- one id can come back in a household): where the household holds the index's id again more
-- than 30 days on, the index takes the first report of another id instead of the window's.
same_id_later AS (
    SELECT household_id, report_id, report_date
    FROM r WHERE household_id IS NOT NULL
    QUALIFY max(report_date) OVER (PARTITION BY household_id, report_id) - report_date > 30
),
other_id AS (
    SELECT s.household_id, s.report_id, s.report_date, min(o.report_date) AS re
    FROM same_id_later s
    LEFT JOIN r o ON o.household_id = s.household_id AND o.report_id <> s.report_id
                 AND o.report_date - s.report_date > 30
    GROUP BY ALL
),
household AS (
    SELECT 're-report in the household after a report (family view)' AS outcome, h.person_id, h.idx,
           CASE WHEN x.household_id IS NULL THEN h.re ELSE x.re END AS re
    FROM hw h
    LEFT JOIN other_id x ON x.household_id = h.household_id AND x.report_id = h.report_id AND x.report_date = h.idx
),
o AS (
    SELECT person_id, start_date AS s,
           max(coalesce(end_date, DATE '9999-12-31')) OVER (
               PARTITION BY person_id ORDER BY start_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ) AS latest,
           max(coalesce(end_date, DATE '9999-12-31')) OVER (PARTITION BY person_id) AS last_end
    FROM care_episodes
),
spell_end AS (
    SELECT person_id, NULL AS measure_id, latest AS idx FROM o WHERE s - latest > 31
    UNION ALL
    SELECT person_id, NULL, last_end FROM o WHERE latest IS NULL AND last_end < DATE '9999-12-31'
),
m AS (
    SELECT person_id, measure_id, kind, start_date AS s, end_date AS e FROM measures
),
cand AS (
    SELECT p.measure_id AS pid, p.s AS ps, arg_min(f.measure_id, (f.s, f.measure_id)) AS fid
    FROM m p JOIN m f ON f.person_id = p.person_id AND f.kind = substr(p.kind, 13)
    WHERE p.kind LIKE 'provisional_%'
      AND (f.s > p.s OR (f.s = p.s AND f.measure_id > p.measure_id))
      AND (p.e IS NULL OR f.s - p.e <= 14)
    GROUP BY ALL
),
joined AS (SELECT arg_min(pid, (ps, pid)) AS pid, fid FROM cand GROUP BY fid),
measure_end AS (
    SELECT m.person_id, m.measure_id, CASE WHEN j.fid IS NULL THEN m.e ELSE f.e END AS idx
    FROM m
    LEFT JOIN joined j ON j.pid = m.measure_id
    LEFT JOIN m f ON f.measure_id = j.fid
    WHERE m.measure_id NOT IN (SELECT fid FROM joined)
),
ends AS (
    SELECT 're-report after a spell end' AS outcome, * FROM spell_end
    UNION ALL
    SELECT 're-report after a measure end', * FROM measure_end WHERE idx IS NOT NULL
),
after_end AS (
    SELECT e.outcome, e.person_id, e.measure_id, e.idx, min(r.report_date) AS re
    FROM ends e LEFT JOIN r ON r.person_id = e.person_id AND r.report_date > e.idx
    GROUP BY ALL
),
idx AS (
    SELECT * FROM child UNION ALL SELECT * FROM household UNION ALL SELECT outcome, person_id, idx, re FROM after_end
),
w(window_days) AS (VALUES (365), (730)),
st AS (
    SELECT i.outcome, w.window_days,
           CASE WHEN i.idx >= f.fu THEN 'dropped'
                WHEN i.re <= f.fu AND i.re - i.idx <= w.window_days THEN 'event'
                WHEN f.fu < i.idx + w.window_days THEN 'censored'
                ELSE 'no_event' END AS status
    FROM idx i JOIN fu f USING (person_id) CROSS JOIN w
)
SELECT outcome, window_days,
       count(*) FILTER (WHERE status = 'event') AS events,
       count(*) FILTER (WHERE status IN ('event', 'no_event')) AS denominator,
       round(100.0 * count(*) FILTER (WHERE status = 'event')
             / nullif(count(*) FILTER (WHERE status IN ('event', 'no_event')), 0), 1) AS pct,
       count(*) FILTER (WHERE status = 'censored') AS censored,
       count(*) FILTER (WHERE status = 'dropped') AS dropped
FROM st
GROUP BY ALL
ORDER BY ALL;
