-- The suppression pattern, filled by kohort: one row per suppressed input row.
CREATE TEMP TABLE pattern (row_no BIGINT, reason VARCHAR);
