-- dangling_reference: an id that does not resolve to an accepted row of the referenced table
-- (absent from the delivery, or quarantined there).
-- params: column label, message
INSERT INTO {{q}}
SELECT s.src_row, ?, 'dangling_reference', ?
FROM {{stg}} s
WHERE s.{{col}} IS NOT NULL
  AND s.src_row NOT IN (SELECT src_row FROM {{q}})
  AND s.{{col}} NOT IN (SELECT {{target_col}} FROM {{target_ok}} WHERE {{target_col}} IS NOT NULL);
