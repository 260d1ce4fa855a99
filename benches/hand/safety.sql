-- Yardstick (benches/scale.sh): re-reports after a report, child view (hermelding), at 365
-- and 730 days, written by hand in DuckDB SQL over the store views, giving the rows of the
-- `kohort outcomes` summary for this outcome (docs/definitions.md §4.1, §4.8.1).
-- Run: kohort sql --store S --file THIS
--
-- Every report is an index; the re-report is the child's first report more than 30 days
-- (same_incident) after it (a window over the child's reports), seen when on or before fu.
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
nx AS (
    SELECT person_id, report_date AS idx,
           min(report_date) OVER (PARTITION BY person_id ORDER BY report_date
                                  RANGE BETWEEN INTERVAL 31 DAYS FOLLOWING AND UNBOUNDED FOLLOWING) AS re
    FROM safety_reports
),
w(window_days) AS (VALUES (365), (730)),
st AS (
    SELECT w.window_days,
           CASE WHEN n.idx >= f.fu THEN 'dropped'
                WHEN n.re <= f.fu AND n.re - n.idx <= w.window_days THEN 'event'
                WHEN f.fu < n.idx + w.window_days THEN 'censored'
                ELSE 'no_event' END AS status
    FROM nx n JOIN fu f USING (person_id) CROSS JOIN w
)
SELECT 're-report after a report (hermelding)' AS outcome, window_days,
       count(*) FILTER (WHERE status = 'event') AS events,
       count(*) FILTER (WHERE status IN ('event', 'no_event')) AS denominator,
       round(100.0 * count(*) FILTER (WHERE status = 'event')
             / nullif(count(*) FILTER (WHERE status IN ('event', 'no_event')), 0), 1) AS pct,
       count(*) FILTER (WHERE status = 'censored') AS censored,
       count(*) FILTER (WHERE status = 'dropped') AS dropped
FROM st
GROUP BY ALL
ORDER BY ALL;
