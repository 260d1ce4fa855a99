-- Offences of a store written before the table existed (no `offences` folder): no rows, the
-- columns and types an ingest writes, so every query over the view still binds.
CREATE VIEW offences AS
SELECT NULL::VARCHAR AS offence_id, NULL::VARCHAR AS person_id, NULL::DATE AS offence_date,
       NULL::DATE AS registration_date, NULL::VARCHAR AS severity, NULL::VARCHAR AS settlement,
       NULL::VARCHAR AS kind, NULL::UBIGINT AS src_row, NULL::USMALLINT AS bucket,
       NULL::VARCHAR AS source
WHERE false;
