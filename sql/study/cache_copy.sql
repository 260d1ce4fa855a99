-- Write a query's rows to a cache file.
COPY ({{query}}) TO {{path}} (FORMAT parquet);
