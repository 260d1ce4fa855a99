-- Persons in the store: the persons view has one row per distinct person over every source
-- (several sources may deliver the same person). Counting the distinct ids is the cheap form
-- of counting that view (no pick of the winning row, only the id column read).
SELECT count(DISTINCT person_id) FROM persons_all;
