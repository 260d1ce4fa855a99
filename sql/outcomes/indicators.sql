-- Field indicators of the current run: count, denominator and percentage; reliable change
-- (docs/definitions.md §4.12.5) as one line per configured instrument and direction, over the
-- episodes with a start and an end score (no line when no instrument is configured).
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
SELECT 'reliable change ' || r.instrument || ': ' || c.change,
       count(*) FILTER (WHERE r.change = c.change), count(*),
       round(100.0 * count(*) FILTER (WHERE r.change = c.change) / nullif(count(*), 0), 1)
FROM reliable_change r CROSS JOIN (VALUES ('improved'), ('unchanged'), ('deteriorated')) c(change)
GROUP BY r.instrument, c.change;
