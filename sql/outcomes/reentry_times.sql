-- Time to re-entry and its Aalen-Johansen cause per undropped index (1 re-entry,
-- 2 follow-up ended by age limit, death or emigration, 0 censored at the data end), counted
-- per distinct (time, cause): the curves expand the counts.
SELECT time_days, cause, count(*) AS n FROM reentry WHERE NOT dropped GROUP BY ALL ORDER BY time_days, cause
