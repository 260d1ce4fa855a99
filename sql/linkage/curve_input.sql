-- Curve input: age (days) at outcome or follow-up end and cause, counted per distinct value,
-- per relation kind, outcome variant and exposure (either).
SELECT relation_kind, outcome, exposed, time_days, cause, count(*) AS n
FROM linkage_g2_long
GROUP BY ALL
ORDER BY relation_kind, outcome, exposed, time_days, cause
