-- The window statuses of the current run, counted: a row per source (the table or view of
-- window results), index kind and variant (where the source has them, else ''), window and
-- status, with its count `n`. The head of a query whose body is summary.sql (src/sql.rs puts
-- the two together); `kohort outcomes --summary-only` counts the same from the kernels' rows
-- without writing a table (src/outcomes/tally.rs) and gives summary.sql a table of that name.
WITH window_counts AS (
    SELECT 'reentry' AS source, '' AS kind, '' AS variant, window_days, status, count(*) AS n
    FROM reentry_windows GROUP BY ALL
    UNION ALL
    SELECT 'escalation', '', '', window_days, status, count(*) FROM escalation GROUP BY ALL
    UNION ALL
    SELECT 'deescalation', '', '', window_days, deesc_status, count(*) FROM escalation GROUP BY ALL
    UNION ALL
    SELECT 'safety', index_kind, '', window_days, status, count(*) FROM safety_windows GROUP BY ALL
    UNION ALL
    SELECT 'household', '', '', window_days, status, count(*) FROM safety_household_windows GROUP BY ALL
    UNION ALL
    SELECT 'recidivism', index_kind, variant, window_days, status, count(*) FROM recidivism_windows GROUP BY ALL
)
