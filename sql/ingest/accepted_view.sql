-- The accepted rows of a table: staged rows minus every quarantined row.
CREATE OR REPLACE VIEW {{ok}} AS
SELECT s.* EXCLUDE (late)
FROM {{stg}} s
WHERE s.src_row NOT IN (SELECT src_row FROM {{q}});
