-- The published quasi-identifier classes: number of classes, the smallest class in persons and
-- in household clusters (suppressed and withheld records are not published).
SELECT count(*)::BIGINT, coalesce(min(n), 0)::BIGINT, coalesce(min(c), 0)::BIGINT FROM (
    SELECT count(*) AS n, count(DISTINCT cluster) AS c FROM panel_qi WHERE NOT suppressed AND NOT bad
    GROUP BY q_sex, q_birth, q_geo
);
