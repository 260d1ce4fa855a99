-- The persons an incremental run recomputes in one bucket, filled by an appender; read by
-- sql/timelines/only.sql. The table name carries the bucket.
CREATE OR REPLACE TEMP TABLE {{name}} (person_id VARCHAR);
