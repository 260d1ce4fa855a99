-- Write a large linkage table with DuckDB's own parallel Parquet writer (the query's ORDER BY
-- and insertion order fix the bytes). The query is one of kohort's own linkage queries and the
-- file the staging path kohort chose, single quotes doubled: COPY takes no parameters.
COPY (
{{query}}
) TO '{{file}}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 65536)
