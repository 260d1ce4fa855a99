-- Shares over complete windows (follow-up end >= index + W), as the scenarios state their
-- planted truths: events among indexes whose window was fully observed.
SELECT 'reentry_' || w.window_days AS truth,
       avg(CASE WHEN w.status = 'event' THEN 1.0 ELSE 0.0 END)::DOUBLE AS share, count(*) AS n
FROM reentry_windows w JOIN reentry r USING (person_id, spell_no)
WHERE NOT r.dropped AND r.fu_date >= r.index_date + w.window_days::INTEGER
GROUP BY ALL
UNION ALL
SELECT 'escalation_' || window_days, avg(CASE WHEN status = 'event' THEN 1.0 ELSE 0.0 END)::DOUBLE, count(*)
FROM escalation
WHERE status <> 'dropped' AND fu_date >= index_date + window_days::INTEGER
GROUP BY ALL
UNION ALL
SELECT 'rereport_' || w.window_days, avg(CASE WHEN w.status = 'event' THEN 1.0 ELSE 0.0 END)::DOUBLE, count(*)
FROM safety_windows w JOIN safety s USING (person_id, index_no)
WHERE w.index_kind = 'report' AND NOT s.dropped AND s.fu_date >= s.index_date + w.window_days::INTEGER
GROUP BY ALL
UNION ALL
SELECT 'regular_ending', avg(CASE WHEN regular THEN 1.0 ELSE 0.0 END)::DOUBLE, count(*) FROM episode_indicators
UNION ALL
SELECT 'satisfied', avg(CASE WHEN satisfaction >= 7 THEN 1.0 ELSE 0.0 END)::DOUBLE, count(*)
FROM episode_indicators WHERE satisfaction IS NOT NULL
UNION ALL
SELECT 'goal_attained', avg(CASE WHEN goal_attained THEN 1.0 ELSE 0.0 END)::DOUBLE, count(*)
FROM episode_indicators WHERE goal_attained IS NOT NULL
UNION ALL
SELECT 'out_of_home_start', avg(CASE WHEN index_level >= 4 THEN 1.0 ELSE 0.0 END)::DOUBLE, count(*) FROM spells
ORDER BY 1;
