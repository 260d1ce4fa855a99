-- The field indicators of the current run, counted: a row per line of indicators.sql (1
-- regular ending, 2 goal attained, 3 satisfaction, 4 protection measure success, 5 out-of-home
-- placement during a protection measure, 6 reliable change, 7 change of delinquency risk
-- during youth probation), instrument and change (lines 6 and 7, else ''), with the count and
-- its denominator. Lines 1 to 5 always have a row; lines 6 and 7 one per change of each
-- instrument with rows. The head of a query whose body is indicators.sql (src/sql.rs);
-- `kohort outcomes --summary-only` counts the same without writing a table
-- (src/outcomes/tally.rs) and gives indicators.sql a table of that name.
WITH indicator_counts AS (
    SELECT 1 AS line, '' AS instrument, '' AS change,
           count(*) FILTER (WHERE regular) AS count, count(*) AS denominator
    FROM episode_indicators
    UNION ALL
    SELECT 2, '', '', count(*) FILTER (WHERE goal_attained), count(goal_attained) FROM episode_indicators
    UNION ALL
    SELECT 3, '', '', count(*) FILTER (WHERE satisfaction >= 7), count(satisfaction) FROM episode_indicators
    UNION ALL
    SELECT 4, '', '', count(*) FILTER (WHERE goal_reached), count(*) FROM measure_episodes WHERE protection AND closed
    UNION ALL
    SELECT 5, '', '', count(*) FILTER (WHERE out_of_home), count(*) FROM measure_episodes WHERE protection
    UNION ALL
    SELECT 6, r.instrument, c.change, count(*) FILTER (WHERE r.change = c.change), count(*)
    FROM reliable_change r CROSS JOIN (VALUES ('improved'), ('unchanged'), ('deteriorated')) c(change)
    GROUP BY r.instrument, c.change
    UNION ALL
    SELECT 7, r.instrument, c.change, count(*) FILTER (WHERE r.change = c.change), count(*)
    FROM risk_change r CROSS JOIN (VALUES ('reduced'), ('unchanged'), ('increased')) c(change)
    GROUP BY r.instrument, c.change
)
