-- Whether a view exists (the `spells` view needs an outcome run). params: the view name
SELECT count(*) FROM duckdb_views() WHERE view_name = ?;
