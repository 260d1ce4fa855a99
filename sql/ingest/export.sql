-- The accepted rows of a table as written to the store: sorted by bucket, person and date.
-- params: source (and extracted_on for persons, in {{extra}})
SELECT *, ?::VARCHAR AS source {{extra}}
FROM {{ok}}
ORDER BY {{order}};
