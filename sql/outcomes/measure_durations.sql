-- Duration of protection measure episodes (censored when open at the follow-up end).
SELECT duration_days, (NOT censored)::INTEGER AS ended FROM measure_episodes
WHERE protection AND duration_days IS NOT NULL ORDER BY duration_days, ended
