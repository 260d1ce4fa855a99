-- after_death: an event table date after the person's death.
INSERT INTO {{q}}
SELECT s.src_row, {{which}}, 'after_death', {{which}} || ' is after the death date of the person'
FROM {{stg}} s
JOIN ok_persons p ON p.person_id = s.person_id
WHERE p.death_date IS NOT NULL
  AND ({{cond}})
  AND s.src_row NOT IN (SELECT src_row FROM {{q}});
