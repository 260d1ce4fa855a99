-- after_extracted_on: a date after the delivery's data end (the column was found row-locally).
-- params: extracted_on as text
INSERT INTO {{q}}
SELECT src_row, late, 'after_extracted_on', late || ' lies after extracted_on ' || ?
FROM {{stg}}
WHERE late IS NOT NULL
  AND src_row NOT IN (SELECT src_row FROM {{q}});
