-- The benchmark columns are in the written rows: free their table (benchmarks.sql).
DROP TABLE row_benchmarks;
