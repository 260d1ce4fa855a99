-- What a cohort restriction kept, per relation kind: G2 children in scope and the cohort's
-- members among them (children side) or among their linked parents (parents side).
-- params: $1 side ('children' or 'parents')
SELECT g.relation_kind,
       count(DISTINCT g.child_id) AS children,
       CASE WHEN $1 = 'children' THEN count(DISTINCT g.child_id)
            ELSE count(DISTINCT c.person_id) END AS members
FROM linkage_g2_scope g
LEFT JOIN relations r ON $1 = 'parents' AND r.kind = g.relation_kind AND r.child_id = g.child_id
LEFT JOIN linkage_cohort c ON c.person_id = r.parent_id
GROUP BY 1
ORDER BY 1
