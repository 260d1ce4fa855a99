-- before_birth: an event table date before the person's birth (a YYYY-MM birth date is the 15th).
INSERT INTO {{q}}
SELECT s.src_row, {{which}}, 'before_birth', {{which}} || ' is before the birth date of the person'
FROM {{stg}} s
JOIN ok_persons p ON p.person_id = s.person_id
WHERE ({{cond}})
  AND s.src_row NOT IN (SELECT src_row FROM {{q}});
