-- Field indicators of the current run: count, denominator and percentage; reliable change
-- (docs/definitions.md §4.12.5) as one line per configured instrument and direction, over the
-- episodes with a start and an end score (no line when no instrument is configured); the change
-- of delinquency risk during youth probation (§4.17) likewise per risk instrument. The lines
-- come in a fixed order (`line`, then the instrument, then improved/unchanged/deteriorated) so
-- that the same store always prints the same summary.
SELECT indicator, count, denominator, pct
FROM (
    SELECT 1 AS line, '' AS instrument, 0 AS direction,
           'regular ending (per closed episode)' AS indicator,
           count(*) FILTER (WHERE regular) AS count, count(*) AS denominator,
           round(100.0 * count(*) FILTER (WHERE regular) / nullif(count(*), 0), 1) AS pct
    FROM episode_indicators
    UNION ALL
    SELECT 2, '', 0, 'goal attained fully or partly',
           count(*) FILTER (WHERE goal_attained), count(goal_attained),
           round(100.0 * count(*) FILTER (WHERE goal_attained) / nullif(count(goal_attained), 0), 1)
    FROM episode_indicators
    UNION ALL
    SELECT 3, '', 0, 'satisfaction >= 7',
           count(*) FILTER (WHERE satisfaction >= 7), count(satisfaction),
           round(100.0 * count(*) FILTER (WHERE satisfaction >= 7) / nullif(count(satisfaction), 0), 1)
    FROM episode_indicators
    UNION ALL
    SELECT 4, '', 0, 'protection measure ended goal_reached (succesvol beeindigd)',
           count(*) FILTER (WHERE goal_reached), count(*),
           round(100.0 * count(*) FILTER (WHERE goal_reached) / nullif(count(*), 0), 1)
    FROM measure_episodes WHERE protection AND closed
    UNION ALL
    SELECT 5, '', 0, 'out-of-home placement during a protection measure',
           count(*) FILTER (WHERE out_of_home), count(*),
           round(100.0 * count(*) FILTER (WHERE out_of_home) / nullif(count(*), 0), 1)
    FROM measure_episodes WHERE protection
    UNION ALL
    SELECT 6, r.instrument, c.direction, 'reliable change ' || r.instrument || ': ' || c.change,
           count(*) FILTER (WHERE r.change = c.change), count(*),
           round(100.0 * count(*) FILTER (WHERE r.change = c.change) / nullif(count(*), 0), 1)
    FROM reliable_change r
    CROSS JOIN (VALUES (1, 'improved'), (2, 'unchanged'), (3, 'deteriorated')) c(direction, change)
    GROUP BY r.instrument, c.direction, c.change
    UNION ALL
    SELECT 7, r.instrument, c.direction,
           'delinquency risk ' || c.change || ' during youth probation (' || r.instrument || ')',
           count(*) FILTER (WHERE r.change = c.change), count(*),
           round(100.0 * count(*) FILTER (WHERE r.change = c.change) / nullif(count(*), 0), 1)
    FROM risk_change r
    CROSS JOIN (VALUES (1, 'reduced'), (2, 'unchanged'), (3, 'increased')) c(direction, change)
    GROUP BY r.instrument, c.direction, c.change
)
ORDER BY line, instrument, direction;
