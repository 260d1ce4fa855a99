-- The parent-child links of the relation kinds of the current linkage run, to form families
-- (connected parents and children of one kind; kohort joins them into clusters).
SELECT DISTINCT r.kind, r.parent_id, r.child_id
FROM relations r
WHERE r.kind IN (SELECT DISTINCT relation_kind FROM linkage_g2)
ORDER BY 1, 2, 3
