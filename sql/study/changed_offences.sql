-- The offences of the changed persons (an incremental study run, changed_views.sql), in a store
-- that has the table's folder; a store without it gets the empty view of
-- sql/views_offences_absent.sql, as a full run does.
CREATE VIEW offences AS SELECT * FROM read_parquet('offences/*/*.parquet') SEMI JOIN study_changed USING (person_id);
