-- The published persons with every person-level value a row needs, stored in the output order
-- (rank of the export id), so that rows.sql reads one range of ranks without a join over all
-- persons. Person-level values are the published (possibly generalised) ones; p0 and p1 are the
-- first and last period of the follow-up inside the panel bounds; by_lo and by_hi the birth
-- years the published birth year allows.
CREATE OR REPLACE TEMP TABLE panel_person AS
SELECT i.rank, i.person, i.household, q.q_sex, q.q_birth, q.q_geo, q.geo_level,
       p.youth_region, p.index_date, p.exit_date, p.exit_reason,
       panel_pnum(p.f_start, s.months) AS p0, panel_pnum(p.f_end, s.months) AS p1,
       CASE WHEN q.birth_level = 0 THEN p.birth_year ELSE p.birth_year // 5 * 5 END AS by_lo,
       CASE WHEN q.birth_level = 0 THEN p.birth_year ELSE p.birth_year // 5 * 5 + 4 END AS by_hi
FROM panel_ids i JOIN panel_qi q USING (person_id) JOIN panel_people p USING (person_id), panel_settings s
ORDER BY i.rank;
