-- Yardstick (benches/scale.sh): protection measures ended with their goal reached (succesvol
-- beeindigde maatregel) and out-of-home placement during a measure, written by hand in DuckDB
-- SQL over the store views, giving the rows of the `kohort outcomes` summary for this family
-- (definitions §3.5, §4.9, §4.11). Run: kohort sql --store S --file THIS
--
-- Measure episodes: a provisional measure is joined by the first full measure of its kind
-- (in start, then id order after it) that starts on or after its start and at most 14 days
-- after its end (any, when it is open); a full measure continues one provisional measure at
-- most (the first). The episode has the full measure's end and end reason.
WITH m AS (
    SELECT person_id, measure_id, kind, start_date AS s, end_date AS e, end_reason FROM measures
),
cand AS (
    SELECT p.measure_id AS pid, p.s AS ps, arg_min(f.measure_id, (f.s, f.measure_id)) AS fid
    FROM m p JOIN m f ON f.person_id = p.person_id AND f.kind = substr(p.kind, 13)
    WHERE p.kind LIKE 'provisional_%'
      AND (f.s > p.s OR (f.s = p.s AND f.measure_id > p.measure_id))
      AND (p.e IS NULL OR f.s - p.e <= 14)
    GROUP BY ALL
),
joined AS (
    SELECT arg_min(pid, (ps, pid)) AS pid, fid FROM cand GROUP BY fid
),
ep AS (
    SELECT m.person_id, m.measure_id, m.s, coalesce(f.kind, m.kind) AS kind,
           CASE WHEN j.fid IS NULL THEN m.e ELSE f.e END AS e,
           CASE WHEN j.fid IS NULL THEN m.end_reason ELSE f.end_reason END AS end_reason
    FROM m
    LEFT JOIN joined j ON j.pid = m.measure_id
    LEFT JOIN m f ON f.measure_id = j.fid
    WHERE m.measure_id NOT IN (SELECT fid FROM joined)
),
prot AS (
    SELECT * FROM ep WHERE kind IN ('ots', 'provisional_ots', 'guardianship', 'provisional_guardianship')
),
placed AS (
    SELECT DISTINCT p.measure_id
    FROM prot p JOIN care_episodes c ON c.person_id = p.person_id
    WHERE c.care_form IN ('foster_care', 'family_home', 'residential', 'secure')
      AND (p.e IS NULL OR c.start_date <= p.e) AND (c.end_date IS NULL OR c.end_date >= p.s)
)
SELECT 'protection measure ended goal_reached (succesvol beeindigd)' AS indicator,
       count(*) FILTER (WHERE end_reason = 'goal_reached') AS count, count(*) AS denominator,
       round(100.0 * count(*) FILTER (WHERE end_reason = 'goal_reached') / nullif(count(*), 0), 1) AS pct
FROM prot WHERE e IS NOT NULL
UNION ALL
SELECT 'out-of-home placement during a protection measure',
       (SELECT count(*) FROM placed), count(*),
       round(100.0 * (SELECT count(*) FROM placed) / nullif(count(*), 0), 1)
FROM prot;
