-- A study table, whole, for the cache ({{table}}: a table name from kohort's own code).
SELECT * FROM {{table}}
