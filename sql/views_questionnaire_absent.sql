-- The questionnaire of a store written before the table existed (no `questionnaire` folder): no
-- rows, the columns and types an ingest writes, so every query over the view still binds.
CREATE VIEW questionnaire AS
SELECT NULL::VARCHAR AS household_id, NULL::DATE AS answer_date, NULL::VARCHAR AS item,
       NULL::BIGINT AS score, NULL::VARCHAR AS respondent, NULL::UBIGINT AS src_row,
       NULL::VARCHAR AS source
WHERE false;
