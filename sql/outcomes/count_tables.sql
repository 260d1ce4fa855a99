-- The tables summary.sql and indicators.sql read after `kohort outcomes --summary-only` has
-- counted without writing a run (src/results/summary.rs fills them): the columns of
-- window_counts.sql and indicator_counts.sql, which count the same from a run's tables.
CREATE TEMP TABLE window_counts (
    source VARCHAR, kind VARCHAR, variant VARCHAR, window_days BIGINT, status VARCHAR, n BIGINT
);
CREATE TEMP TABLE indicator_counts (
    line INTEGER, instrument VARCHAR, change VARCHAR, count BIGINT, denominator BIGINT
);
