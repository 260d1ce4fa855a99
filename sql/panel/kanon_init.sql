-- k-anonymity, step 0: every published person's quasi-identifier values as published so far
-- ('*' for a quasi-identifier not checked), their generalisation levels and cluster.
-- geo_level 0 = municipality, 1 = youth region, 2 = NL; birth_level 0 = year, 1 = 5-year band.
CREATE OR REPLACE TEMP TABLE panel_qi AS
SELECT p.person_id, p.cluster,
       CASE WHEN s.qi_sex THEN coalesce(p.sex, 'unknown') ELSE '*' END AS q_sex,
       CASE WHEN s.qi_birth THEN coalesce(p.birth_year::VARCHAR, 'unknown') ELSE '*' END AS q_birth,
       CASE WHEN s.qi_geo THEN p.municipality ELSE '*' END AS q_geo,
       p.youth_region,
       coalesce((p.birth_year // 5 * 5)::VARCHAR || '-' || (p.birth_year // 5 * 5 + 4)::VARCHAR, 'unknown') AS band,
       0 AS geo_level, 0 AS birth_level, false AS suppressed, 0 AS hit_step
FROM panel_people p, panel_settings s;
