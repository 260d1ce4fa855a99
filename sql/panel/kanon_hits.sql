-- Records of classes still too small (what the next step would touch), and their panel rows.
WITH s AS (SELECT * FROM panel_settings),
small AS (
    SELECT q_sex, q_birth, q_geo
    FROM panel_qi, s WHERE NOT suppressed
    GROUP BY q_sex, q_birth, q_geo, s.k, s.clusters
    HAVING count(*) < s.k OR (s.clusters AND count(DISTINCT cluster) < s.k)
)
SELECT count(*)::BIGINT,
       coalesce(sum(panel_pnum(p.f_end, s.months) - panel_pnum(p.f_start, s.months) + 1), 0)::BIGINT
FROM panel_qi q JOIN small m USING (q_sex, q_birth, q_geo) JOIN panel_people p USING (person_id), s
WHERE NOT q.suppressed;
