-- Time to re-entry and its Aalen-Johansen cause per undropped index (1 re-entry,
-- 2 follow-up ended by age limit, death or emigration, 0 censored at the data end).
SELECT time_days, cause FROM reentry WHERE NOT dropped ORDER BY time_days, cause
