-- Accepted rows of a table.
SELECT count(*) FROM {{ok}};
