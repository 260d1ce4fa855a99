-- The persons of one bucket who have any event the run needs (a person without events has no
-- outcome rows), one row each after the cross-source rule of the persons view, unordered
-- (sorted in Rust).
-- params: bucket, whether measures count, whether safety reports count
SELECT person_id, birth_date, sex, death_date, emigration_date, extracted_on
FROM persons p
WHERE bucket = $1
  AND (person_id IN (SELECT person_id FROM care_episodes WHERE bucket = $1)
       OR ($2 AND person_id IN (SELECT person_id FROM measures WHERE bucket = $1))
       OR ($3 AND person_id IN (SELECT person_id FROM safety_reports WHERE bucket = $1)));
