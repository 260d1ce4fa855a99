-- Field indicators of the current run: count, denominator and percentage.
SELECT 'regular ending (per closed episode)' AS indicator,
       count(*) FILTER (WHERE regular) AS count, count(*) AS denominator,
       round(100.0 * count(*) FILTER (WHERE regular) / nullif(count(*), 0), 1) AS pct
FROM episode_indicators
UNION ALL
SELECT 'goal attained fully or partly', count(*) FILTER (WHERE goal_attained), count(goal_attained),
       round(100.0 * count(*) FILTER (WHERE goal_attained) / nullif(count(goal_attained), 0), 1)
FROM episode_indicators
UNION ALL
SELECT 'satisfaction >= 7', count(*) FILTER (WHERE satisfaction >= 7), count(satisfaction),
       round(100.0 * count(*) FILTER (WHERE satisfaction >= 7) / nullif(count(satisfaction), 0), 1)
FROM episode_indicators
UNION ALL
SELECT 'protection measure ended goal_reached (succesvol beeindigd)',
       count(*) FILTER (WHERE goal_reached), count(*),
       round(100.0 * count(*) FILTER (WHERE goal_reached) / nullif(count(*), 0), 1)
FROM measure_episodes WHERE protection AND closed
UNION ALL
SELECT 'out-of-home placement during a protection measure',
       count(*) FILTER (WHERE out_of_home), count(*),
       round(100.0 * count(*) FILTER (WHERE out_of_home) / nullif(count(*), 0), 1)
FROM measure_episodes WHERE protection
UNION ALL
SELECT * FROM (
    SELECT 'delinquency risk ' || c.ch || ' during youth probation (' || r.instrument || ')',
           count(*) FILTER (WHERE r.change = c.ch), count(*),
           round(100.0 * count(*) FILTER (WHERE r.change = c.ch) / nullif(count(*), 0), 1)
    FROM risk_change r CROSS JOIN (VALUES ('reduced'), ('unchanged'), ('increased')) c(ch)
    GROUP BY r.instrument, c.ch
    ORDER BY r.instrument, c.ch DESC
);
