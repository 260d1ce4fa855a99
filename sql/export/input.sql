-- The study tables to publish as one table `input`: the columns of data-schema/study_tables.md
-- that tables written before them lack (variant, region names, the regions a row lies in,
-- population) are added empty, so every study table of the contract reads the same way.
-- params: the tables.parquet file
CREATE OR REPLACE TEMP TABLE input AS
SELECT * REPLACE (coalesce(variant, '') AS variant)
FROM (
    SELECT NULL::VARCHAR AS variant, NULL::VARCHAR AS region_name, NULL::VARCHAR AS youth_region_of,
           NULL::VARCHAR AS municipality_of, NULL::VARCHAR AS group_of, NULL::BIGINT AS population
    WHERE false
    UNION ALL BY NAME
    SELECT * FROM read_parquet(?)
);
