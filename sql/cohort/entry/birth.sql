-- Entry birth: the birth date (the persons view's cross-source pick).
SELECT person_id, birth_date AS index_date FROM persons
