-- Field indicators of the current run: count, denominator and percentage, from
-- `indicator_counts` (indicator_counts.sql over a run's tables, or the counts of `kohort
-- outcomes --summary-only`); reliable change (docs/definitions.md §4.12.5) as one line per
-- configured instrument and direction, over the episodes with a start and an end score (no line
-- when no instrument is configured); the change of delinquency risk during youth probation
-- (§4.17) likewise per risk instrument. The lines come in a fixed order (the line, then the
-- instrument, then improved/unchanged/deteriorated or reduced/unchanged/increased) so that the
-- same store always prints the same summary.
SELECT CASE line
         WHEN 1 THEN 'regular ending (per closed episode)'
         WHEN 2 THEN 'goal attained fully or partly'
         WHEN 3 THEN 'satisfaction >= 7'
         WHEN 4 THEN 'protection measure ended goal_reached (succesvol beeindigd)'
         WHEN 5 THEN 'out-of-home placement during a protection measure'
         WHEN 6 THEN 'reliable change ' || instrument || ': ' || change
         WHEN 7 THEN 'delinquency risk ' || change || ' during youth probation (' || instrument || ')'
       END AS indicator,
       count, denominator, round(100.0 * count / nullif(denominator, 0), 1) AS pct
FROM indicator_counts
ORDER BY line, instrument,
         CASE change WHEN 'improved' THEN 1 WHEN 'reduced' THEN 1 WHEN 'unchanged' THEN 2 ELSE 3 END;
