-- Entry measure_start: every protection measure's start.
SELECT person_id, start_date AS index_date FROM measures
