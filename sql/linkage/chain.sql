-- Three generations: G3 children (rows of linkage_g2) with a linked parent who is a G2 child
-- too (a row of linkage_g2 of the same relation kind). Grandparent exposed = such a parent has a
-- G1 parent (that parent's own `exposed`); parent exposed = the child's `exposed`. Risk of the
-- outcome by A among included children.
WITH mids AS (
    SELECT relation_kind, child_id AS mid, exposed AS mid_exposed FROM linkage_g2
),
gp AS (
    SELECT r.kind AS relation_kind, r.child_id, bool_or(m.mid_exposed) AS grandparent_exposed
    FROM relations r
    JOIN mids m ON m.relation_kind = r.kind AND m.mid = r.parent_id
    GROUP BY ALL
)
SELECT x.relation_kind, x.outcome, gp.grandparent_exposed, x.exposed AS parent_exposed,
       count(*) AS children,
       count(*) FILTER (WHERE x.included) AS included,
       count(*) FILTER (WHERE x.included AND x.outcome_date IS NOT NULL) AS with_outcome,
       count(*) FILTER (WHERE x.included AND x.outcome_date IS NOT NULL)
           / nullif(count(*) FILTER (WHERE x.included), 0)::DOUBLE AS risk
FROM linkage_g2_long x JOIN gp ON gp.relation_kind = x.relation_kind AND gp.child_id = x.child_id
GROUP BY ALL
ORDER BY x.relation_kind, x.outcome, gp.grandparent_exposed, x.exposed
