-- Every source's persons rows of the persons a delivering source delivers (filled by kohort).
CREATE OR REPLACE TEMP TABLE conflict_rows (person_id VARCHAR, source VARCHAR, birth_date DATE, sex VARCHAR);
