-- The persons of one bucket (one row each, after the cross-source rule of the persons view),
-- unordered (sorted in Rust).
-- params: bucket
SELECT person_id, birth_date, sex, death_date, emigration_date, extracted_on
FROM persons
WHERE bucket = ?;
