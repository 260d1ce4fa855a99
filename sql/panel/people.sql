-- One row per member with at least one period: the follow-up interval inside the panel bounds
-- [f_start, f_end] = [index, exit] ∩ [from, to], the exit reason, the data end (extraction date),
-- and the person-level values the quasi-identifiers and variables need.
-- - municipality: the residence row valid on the index date (both ends inclusive); of several,
--   the latest valid_from, then the highest code; none -> NULL (published as 'unknown');
-- - youth region: the reference row of that municipality valid in the index year; before a
--   municipality's first row (youth regions exist from 2015) its first row; none -> 'unknown';
-- - household: the households row valid on the index date (latest valid_from, then highest id);
--   a person without one is their own cluster ('solo:' || person_id).
CREATE OR REPLACE TEMP TABLE panel_people AS
WITH s AS (SELECT * FROM panel_settings),
c AS (
    SELECT m.person_id, m.index_date, m.exit_date, m.indexes,
           greatest(m.index_date, s.from_date) AS f_start, least(m.exit_date, s.to_date) AS f_end
    FROM panel_cohort m, s
),
live AS (SELECT * FROM c WHERE f_start <= f_end),
-- The row valid on the index date that no other valid row of the person beats on (valid_from,
-- code): anti-joins and DISTINCT over plain columns, which spill, rather than arg_max over
-- concatenated keys, whose string states ran out of memory under a tight --memory-limit.
muni_valid AS (
    SELECT l.person_id, r.municipality, r.valid_from
    FROM live l JOIN residence r ON r.person_id = l.person_id
     AND r.valid_from <= l.index_date AND (r.valid_to IS NULL OR l.index_date <= r.valid_to)
),
muni AS (
    SELECT DISTINCT a.person_id, a.municipality FROM muni_valid a
    WHERE NOT EXISTS (
        SELECT 1 FROM muni_valid b WHERE b.person_id = a.person_id
         AND (b.valid_from > a.valid_from OR (b.valid_from = a.valid_from AND b.municipality > a.municipality))
    )
),
hh_valid AS (
    SELECT l.person_id, h.household_id, h.valid_from
    FROM live l JOIN households h ON h.person_id = l.person_id
     AND h.valid_from <= l.index_date AND (h.valid_to IS NULL OR l.index_date <= h.valid_to)
),
hh AS (
    SELECT DISTINCT a.person_id, a.household_id FROM hh_valid a
    WHERE NOT EXISTS (
        SELECT 1 FROM hh_valid b WHERE b.person_id = a.person_id
         AND (b.valid_from > a.valid_from OR (b.valid_from = a.valid_from AND b.household_id > a.household_id))
    )
),
reg AS (
    SELECT l.person_id, arg_min(g.youth_region, g.from_year) AS youth_region
    FROM live l JOIN muni m USING (person_id)
    JOIN panel_regions g ON g.municipality = m.municipality AND coalesce(g.to_year, 9999) >= year(l.index_date)
    GROUP BY l.person_id
)
SELECT l.person_id, l.index_date, l.exit_date, l.indexes, l.f_start, l.f_end,
       p.sex, year(p.birth_date) AS birth_year,
       coalesce(m.municipality, 'unknown') AS municipality,
       coalesce(g.youth_region, 'unknown') AS youth_region,
       coalesce(h.household_id, 'solo:' || l.person_id) AS cluster,
       CASE WHEN l.exit_date = p.death_date THEN 'death'
            WHEN l.exit_date = p.emigration_date THEN 'emigration'
            WHEN l.exit_date = p.extracted_on THEN 'data_end'
            ELSE 'age_limit' END AS exit_reason,
       p.extracted_on AS data_end
FROM live l JOIN persons p USING (person_id)
LEFT JOIN muni m USING (person_id)
LEFT JOIN reg g USING (person_id)
LEFT JOIN hh h USING (person_id);
