-- Whether any of the change lists names the tables (a table_name column). params: $1 the lists
SELECT count(*) FROM parquet_schema($1) WHERE name = 'table_name'
