-- The count cells of the linkage tables to publish, each with its persons and its families
-- (distinct clusters of the persons counted). One row per (table, kind, outcome, d1, d2,
-- category); category `total` is the row's total (all children, all heavy parents).
-- risk: d1 = exposure (either, mother, father, heavy; `none` = the unexposed reference group,
--   no G1 parent, the same for every exposure), d2 = child sex (`all`, then each sex);
--   categories with_outcome, without_outcome (included: followed to A or with the outcome),
--   not_yet_followed, followed_with_outcome, followed_without_outcome (followed to A only).
-- resilience: d1 = `heavy`, d2 = parent sex; heavily exposed parents: with_child_outcome,
--   resilient, not_yet_followed.
-- chain: d1 = grandparent exposed, d2 = parent exposed; G3 children as in risk.
-- `both` is left out: with either, mother and father it makes an identity that the sum
-- relations of the suppression do not cover.
WITH g AS (
    SELECT l.*, f.family,
           CASE WHEN NOT included THEN 'not_yet_followed'
                WHEN outcome_date IS NOT NULL THEN 'with_outcome' ELSE 'without_outcome' END AS category,
           CASE WHEN followed_to_a AND outcome_date IS NOT NULL THEN 'followed_with_outcome'
                WHEN followed_to_a THEN 'followed_without_outcome' END AS followed
    FROM linkage_g2_long l
    JOIN families f ON f.relation_kind = l.relation_kind AND f.person_id = l.child_id
),
exposures AS (
    SELECT g.*, e.exposure
    FROM g CROSS JOIN (VALUES ('either'), ('mother'), ('father'), ('heavy')) e(exposure)
    WHERE CASE e.exposure WHEN 'either' THEN exposed WHEN 'mother' THEN exposed_mother
                          WHEN 'father' THEN exposed_father ELSE exposed_heavy END
    UNION ALL
    SELECT g.*, 'none' FROM g WHERE n_g1_parents = 0
),
risk_rows AS (
    SELECT relation_kind, outcome, exposure AS d1, s.sex AS d2, c.category, child_id, family
    FROM exposures x
    CROSS JOIN LATERAL (VALUES ('all'), (x.sex)) s(sex)
    CROSS JOIN LATERAL (VALUES (x.category), ('total'), (x.followed)) c(category)
    WHERE c.category IS NOT NULL
),
per_parent AS (
    SELECT h.relation_kind, l.outcome, h.parent_id, h.parent_sex,
           CASE WHEN bool_or(l.outcome_date IS NOT NULL) THEN 'with_child_outcome'
                WHEN bool_and(l.followed_to_a) THEN 'resilient' ELSE 'not_yet_followed' END AS category
    FROM heavy_links h
    JOIN linkage_g2_long l ON l.relation_kind = h.relation_kind AND l.child_id = h.child_id
    GROUP BY ALL
),
resilience_rows AS (
    SELECT p.relation_kind, p.outcome, 'heavy' AS d1, s.sex AS d2, c.category, p.parent_id AS person_id, f.family
    FROM per_parent p
    JOIN families f ON f.relation_kind = p.relation_kind AND f.person_id = p.parent_id
    CROSS JOIN LATERAL (VALUES ('all'), (p.parent_sex)) s(sex)
    CROSS JOIN LATERAL (VALUES (p.category), ('total')) c(category)
),
gp AS (
    SELECT r.kind AS relation_kind, r.child_id, bool_or(m.exposed) AS grandparent_exposed
    FROM relations r
    JOIN linkage_g2 m ON m.relation_kind = r.kind AND m.child_id = r.parent_id
    GROUP BY ALL
),
chain_rows AS (
    SELECT g.relation_kind, g.outcome, gp.grandparent_exposed::VARCHAR AS d1, g.exposed::VARCHAR AS d2,
           c.category, g.child_id, g.family
    FROM g JOIN gp ON gp.relation_kind = g.relation_kind AND gp.child_id = g.child_id
    CROSS JOIN LATERAL (VALUES (g.category), ('total')) c(category)
)
SELECT 'risk' AS tbl, relation_kind, outcome, d1, d2, category,
       count(DISTINCT child_id) AS persons, count(DISTINCT family) AS families
FROM risk_rows GROUP BY ALL
UNION ALL
SELECT 'resilience', relation_kind, outcome, d1, d2, category, count(DISTINCT person_id), count(DISTINCT family)
FROM resilience_rows GROUP BY ALL
UNION ALL
SELECT 'chain', relation_kind, outcome, d1, d2, category, count(DISTINCT child_id), count(DISTINCT family)
FROM chain_rows GROUP BY ALL
ORDER BY 1, 2, 3, 4, 5, 6
