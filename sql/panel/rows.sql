-- Every variable of the catalogue, one row per published person x period of their follow-up
-- inside the panel bounds, in the output order: persons sorted by the rank of their export id,
-- then each person's periods unnested in order (a sort of persons, not of rows; the per-period
-- facts travel with the person as short lists looked up by period). Person-level
-- values are the published (possibly generalised) ones; derived values follow them:
-- - age = period year - birth year (completed years on 31 December of the period's year); with a
--   birth-year band, the range of ages the band allows (floored at 0);
-- - age_band = the DOMAIN §5 band(s) of those ages;
-- - youth_region = the region of the published municipality (itself when already a region, NL
--   when NL).
CREATE OR REPLACE TEMP VIEW panel_rows AS
WITH s AS (SELECT * FROM panel_settings),
care AS (
    SELECT person_id, list(struct_pack(pnum := pnum, care_level := care_level, care_start := care_start)) AS care
    FROM panel_care GROUP BY person_id
),
meas AS (SELECT person_id, list(struct_pack(pnum := pnum, measure := measure)) AS meas FROM panel_measure GROUP BY person_id),
safe AS (SELECT person_id, list(struct_pack(pnum := pnum, n := safety_report)) AS safe FROM panel_safety GROUP BY person_id),
person AS (
    SELECT i.person, i.household, i.rank, q.q_sex, q.q_birth, q.q_geo, q.geo_level,
           p.youth_region, p.index_date, p.exit_date, p.exit_reason, c.care, m.meas, f.safe,
           panel_pnum(p.f_start, s.months) AS p0, panel_pnum(p.f_end, s.months) AS p1, s.months, s.date_precision,
           CASE WHEN q.birth_level = 0 THEN p.birth_year ELSE p.birth_year // 5 * 5 END AS by_lo,
           CASE WHEN q.birth_level = 0 THEN p.birth_year ELSE p.birth_year // 5 * 5 + 4 END AS by_hi
    FROM panel_qi q JOIN panel_ids i USING (person_id) JOIN panel_people p USING (person_id)
    LEFT JOIN care c USING (person_id) LEFT JOIN meas m USING (person_id) LEFT JOIN safe f USING (person_id), s
    ORDER BY i.rank
),
periods AS (SELECT *, unnest(range(p0, p1 + 1)) AS pnum FROM person),
r AS (
    SELECT *, (pnum * months) // 12 AS year, ((pnum * months) % 12) // 3 + 1 AS quarter,
           greatest(0, (pnum * months) // 12 - by_hi) AS age_lo, greatest(0, (pnum * months) // 12 - by_lo) AS age_hi
    FROM periods
)
SELECT r.person, r.household, r.year::INTEGER AS year, r.quarter::INTEGER AS quarter,
       r.q_sex AS sex,
       r.q_birth AS birth_year,
       CASE WHEN r.age_lo = r.age_hi THEN r.age_lo::VARCHAR ELSE r.age_lo::VARCHAR || '-' || r.age_hi::VARCHAR END AS age,
       panel_band(r.age_lo, r.age_hi) AS age_band,
       r.q_geo AS municipality,
       CASE WHEN r.geo_level = 0 THEN r.youth_region ELSE r.q_geo END AS youth_region,
       coalesce(list_filter(r.care, lambda x: x.pnum = r.pnum)[1].care_level, 0) AS care_level,
       coalesce(list_filter(r.meas, lambda x: x.pnum = r.pnum)[1].measure, 'none') AS measure,
       coalesce(list_filter(r.care, lambda x: x.pnum = r.pnum)[1].care_start, 0) AS care_start,
       coalesce(list_filter(r.safe, lambda x: x.pnum = r.pnum)[1].n, 0) AS safety_report,
       panel_coarse(r.index_date, r.date_precision) AS index_date,
       panel_coarse(r.exit_date, r.date_precision) AS exit_date,
       r.exit_reason
FROM r;
