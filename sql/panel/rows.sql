-- Every variable of the catalogue, one row per published person x period of their follow-up
-- inside the panel bounds, with the output order (rank of the export id, period). Person-level
-- values are the published (possibly generalised) ones; derived values follow them:
-- - age = period year - birth year (completed years on 31 December of the period's year); with a
--   birth-year band, the range of ages the band allows (floored at 0);
-- - age_band = the DOMAIN §5 band(s) of those ages;
-- - youth_region = the region of the published municipality (itself when already a region, NL
--   when NL).
CREATE OR REPLACE TEMP VIEW panel_rows AS
WITH s AS (SELECT * FROM panel_settings),
base AS (
    SELECT p.person_id, unnest(range(panel_pnum(p.f_start, s.months), panel_pnum(p.f_end, s.months) + 1)) AS pnum
    FROM panel_people p, s
),
person AS (
    SELECT q.person_id, i.person, i.household, i.rank, q.q_sex, q.q_birth, q.q_geo, q.birth_level, q.geo_level,
           p.birth_year, p.youth_region, p.index_date, p.exit_date, p.exit_reason,
           CASE WHEN q.birth_level = 0 THEN p.birth_year ELSE p.birth_year // 5 * 5 END AS by_lo,
           CASE WHEN q.birth_level = 0 THEN p.birth_year ELSE p.birth_year // 5 * 5 + 4 END AS by_hi
    FROM panel_qi q JOIN panel_ids i USING (person_id) JOIN panel_people p USING (person_id)
),
r AS (
    SELECT b.pnum, (b.pnum * s.months) // 12 AS year, ((b.pnum * s.months) % 12) // 3 + 1 AS quarter,
           greatest(0, (b.pnum * s.months) // 12 - x.by_hi) AS age_lo, greatest(0, (b.pnum * s.months) // 12 - x.by_lo) AS age_hi,
           x.*, s.date_precision
    FROM base b JOIN person x USING (person_id), s
)
SELECT r.rank, r.pnum, r.person, r.household, r.year::INTEGER AS year, r.quarter::INTEGER AS quarter,
       r.q_sex AS sex,
       r.q_birth AS birth_year,
       CASE WHEN r.age_lo = r.age_hi THEN r.age_lo::VARCHAR ELSE r.age_lo::VARCHAR || '-' || r.age_hi::VARCHAR END AS age,
       panel_band(r.age_lo, r.age_hi) AS age_band,
       r.q_geo AS municipality,
       CASE WHEN r.geo_level = 0 THEN r.youth_region ELSE r.q_geo END AS youth_region,
       coalesce(c.care_level, 0) AS care_level,
       coalesce(m.measure, 'none') AS measure,
       coalesce(c.care_start, 0) AS care_start,
       coalesce(f.safety_report, 0) AS safety_report,
       panel_coarse(r.index_date, r.date_precision) AS index_date,
       panel_coarse(r.exit_date, r.date_precision) AS exit_date,
       r.exit_reason
FROM r
LEFT JOIN panel_care c ON c.person_id = r.person_id AND c.pnum = r.pnum
LEFT JOIN panel_measure m ON m.person_id = r.person_id AND m.pnum = r.pnum
LEFT JOIN panel_safety f ON f.person_id = r.person_id AND f.pnum = r.pnum;
