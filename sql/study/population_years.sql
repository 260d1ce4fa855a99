-- The years of the population table, in order.
SELECT DISTINCT year::INTEGER AS year FROM population WHERE year IS NOT NULL ORDER BY year
