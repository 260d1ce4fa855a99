-- Where DuckDB spills when the panel outgrows the memory limit ({{dir}}: a folder kohort made
-- beside the output, single quotes doubled).
SET temp_directory = '{{dir}}';
