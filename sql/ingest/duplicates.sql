-- duplicate_id: a row whose key repeats an earlier row's; the first row stays.
-- Only rows that passed the row-local rules are in the staged table.
-- params: column label, key label
INSERT INTO {{q}}
SELECT src_row, ?, 'duplicate_id', 'the key (' || ? || ') repeats row ' || first_row || '; the first row stays'
FROM (
    SELECT src_row, min(src_row) OVER (PARTITION BY {{key}}) AS first_row
    FROM {{stg}}
)
WHERE src_row <> first_row;
