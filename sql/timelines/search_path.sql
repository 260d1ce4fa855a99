-- The folders a store connection reads from, the store version first (DuckDB's file_search_path).
SELECT current_setting('file_search_path')
