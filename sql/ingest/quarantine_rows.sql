-- The rows a cross-row rule quarantined, by row.
SELECT src_row, col, rule, message FROM {{q}} ORDER BY src_row;
