-- Duration of protection measure episodes (censored when open at the follow-up end), counted
-- per distinct (duration, ended): the curves expand the counts.
SELECT duration_days, (NOT censored)::INTEGER AS ended, count(*) AS n FROM measure_episodes
WHERE protection AND duration_days IS NOT NULL GROUP BY ALL ORDER BY duration_days, ended
