-- Disclosure-risk figures over the published classes (records sharing the published values of
-- the quasi-identifiers; panel_risk from risk_persons.sql):
-- classes, smallest class in persons and in clusters; classes under 2k (fewer than 2k persons,
-- or with clusters fewer than 2k household clusters) and the persons, rows and distinct
-- clusters in them; then per sensitive variable (care_level, care_start, measure,
-- safety_report): the smallest l (distinct person-level values in a class), the classes with
-- l = 1 and their persons.
WITH s AS (SELECT * FROM panel_settings),
cls AS (
    SELECT q_sex, q_birth, q_geo, count(*) AS n, count(DISTINCT household) AS c, sum(rows) AS rows,
           count(DISTINCT care_level) AS l1, count(DISTINCT care_start) AS l2,
           count(DISTINCT measure) AS l3, count(DISTINCT safety_report) AS l4
    FROM panel_risk GROUP BY q_sex, q_birth, q_geo
),
under AS (SELECT cls.* FROM cls, s WHERE cls.n < 2 * s.k OR (s.clusters AND cls.c < 2 * s.k))
SELECT count(*)::BIGINT, coalesce(min(n), 0)::BIGINT, coalesce(min(c), 0)::BIGINT,
       (SELECT count(*) FROM under)::BIGINT,
       (SELECT coalesce(sum(n), 0) FROM under)::BIGINT,
       (SELECT coalesce(sum(rows), 0) FROM under)::BIGINT,
       (SELECT count(DISTINCT r.household) FROM panel_risk r JOIN under u USING (q_sex, q_birth, q_geo))::BIGINT,
       coalesce(min(l1), 0)::BIGINT, count(*) FILTER (WHERE l1 = 1)::BIGINT, coalesce(sum(n) FILTER (WHERE l1 = 1), 0)::BIGINT,
       coalesce(min(l2), 0)::BIGINT, count(*) FILTER (WHERE l2 = 1)::BIGINT, coalesce(sum(n) FILTER (WHERE l2 = 1), 0)::BIGINT,
       coalesce(min(l3), 0)::BIGINT, count(*) FILTER (WHERE l3 = 1)::BIGINT, coalesce(sum(n) FILTER (WHERE l3 = 1), 0)::BIGINT,
       coalesce(min(l4), 0)::BIGINT, count(*) FILTER (WHERE l4 = 1)::BIGINT, coalesce(sum(n) FILTER (WHERE l4 = 1), 0)::BIGINT
FROM cls;
