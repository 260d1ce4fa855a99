-- Persons whose data changed with this delivery, filled by changed*.sql.
CREATE TABLE changed (person_id VARCHAR);
