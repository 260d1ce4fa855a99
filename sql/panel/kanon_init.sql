-- k-anonymity, step 0: every published person's quasi-identifier values as published so far
-- ('*' for a quasi-identifier not checked), their generalisation levels and cluster.
-- geo_level 0 = municipality, 1 = youth region, 2 = NL; birth_level 0 = year, 1 = 5-year band.
-- bad0 / bad1: whether the record's other columns would narrow its birth at level 0 / 1
-- (birth_window.sql); `bad` = at the current level. Bad records count in no class and are never
-- recoded: they are withheld at the end.
CREATE OR REPLACE TEMP TABLE panel_qi AS
SELECT p.person_id, p.cluster,
       CASE WHEN s.qi_sex THEN coalesce(p.sex, 'unknown') ELSE '*' END AS q_sex,
       CASE WHEN s.qi_birth THEN coalesce(p.birth_year::VARCHAR, 'unknown') ELSE '*' END AS q_birth,
       CASE WHEN s.qi_geo THEN p.municipality ELSE '*' END AS q_geo,
       p.youth_region,
       coalesce((p.birth_year // 5 * 5)::VARCHAR || '-' || (p.birth_year // 5 * 5 + 4)::VARCHAR, 'unknown') AS band,
       0 AS geo_level, 0 AS birth_level, false AS suppressed, 0 AS hit_step,
       w0.bad AS bad0, w1.bad AS bad1, w0.bad AS bad
FROM panel_people p
JOIN panel_window w0 ON w0.person_id = p.person_id AND w0.level = 0
JOIN panel_window w1 ON w1.person_id = p.person_id AND w1.level = 1, panel_settings s;
