-- Every person of one bucket (linkage: children without events are G2 children too), one row
-- each by the cross-source rule of the `persons` view (sql/views.sql), unordered.
-- params: persons glob
SELECT person_id, birth_date, sex, death_date, emigration_date, extracted_on
FROM (
    SELECT *, row_number() OVER (
        PARTITION BY person_id
        ORDER BY (birth_date_precision = 'day') DESC, extracted_on DESC, source
    ) AS pick_
    FROM read_parquet($1)
)
WHERE pick_ = 1;
