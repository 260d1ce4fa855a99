-- The rows of the table {{rows}} with their benchmark columns (`row_benchmarks`, made by
-- benchmarks.sql over the same table just before).
SELECT r.*, b.* EXCLUDE (id_) FROM {{rows}} r JOIN row_benchmarks b ON b.id_ = r.rowid
