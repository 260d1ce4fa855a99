-- Resilience (veerkracht): heavily exposed G1 parents (heavy before 18) with at least one
-- linked child, per relation kind, outcome variant and parent sex (`all`, then each sex).
-- with_child_outcome: a child had the outcome before A; resilient: no child had it and every
-- child is followed to A; not_yet_followed: no outcome so far but a child is not yet followed to
-- A (shown, never dropped). share_resilient = resilient / (resilient + with_child_outcome).
-- Reads heavy_links (heavy_links.sql).
WITH per_parent AS (
    SELECT l.relation_kind, g.outcome, l.parent_id, l.parent_sex,
           count(*) AS children,
           bool_or(g.outcome_date IS NOT NULL) AS any_outcome,
           bool_and(g.followed_to_a) AS all_followed
    FROM heavy_links l
    JOIN linkage_g2_long g ON g.relation_kind = l.relation_kind AND g.child_id = l.child_id
    GROUP BY ALL
)
SELECT relation_kind, outcome,
       CASE WHEN grouping(parent_sex) = 1 THEN 'all' ELSE parent_sex END AS parent_sex,
       count(*) AS heavy_parents,
       sum(children)::BIGINT AS children,
       count(*) FILTER (WHERE any_outcome) AS with_child_outcome,
       count(*) FILTER (WHERE NOT any_outcome AND all_followed) AS resilient,
       count(*) FILTER (WHERE NOT any_outcome AND NOT all_followed) AS not_yet_followed,
       count(*) FILTER (WHERE NOT any_outcome AND all_followed)
           / nullif(count(*) FILTER (WHERE any_outcome OR all_followed), 0)::DOUBLE AS share_resilient
FROM per_parent
GROUP BY GROUPING SETS ((relation_kind, outcome), (relation_kind, outcome, parent_sex))
ORDER BY relation_kind, outcome, parent_sex = 'all' DESC, parent_sex
