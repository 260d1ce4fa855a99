-- The rows of one table quarantined by the cross-row rules.
CREATE TABLE {{q}} (src_row UBIGINT, col VARCHAR, rule VARCHAR, message VARCHAR);
