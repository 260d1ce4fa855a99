-- Persons whose data changed with this delivery, and in which table (`data_end` when the
-- delivery moved their data end), filled by changed*.sql.
CREATE TEMP TABLE changed (person_id VARCHAR, table_name VARCHAR);
