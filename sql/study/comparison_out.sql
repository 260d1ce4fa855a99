-- The comparison table as written, in kohort's order.
SELECT * EXCLUDE (row_no) FROM study_comparison ORDER BY row_no
