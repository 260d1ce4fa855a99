-- Persons in the store (the persons view: one row per person over every source).
SELECT count(*) FROM persons;
