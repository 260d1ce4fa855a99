-- own_ancestor, step 3: a relation parent -> child where the child is already an ancestor of
-- the parent (or parent = child), among what peeling left. Every relation on such a cycle is
-- quarantined: the data do not say which link is wrong. Relations of every kind count.
INSERT INTO {{q}}
SELECT * FROM (
    WITH RECURSIVE reach(start_row, node) AS (
        SELECT src_row, child_id FROM lineage
        UNION
        SELECT r.start_row, e.child_id FROM reach r JOIN lineage e ON e.parent_id = r.node
    )
    SELECT e.src_row, 'parent_id', 'own_ancestor',
           'this relation makes a person their own ancestor (the child is also an ancestor of the parent)'
    FROM lineage e
    WHERE e.parent_id = e.child_id
       OR EXISTS (SELECT 1 FROM reach r WHERE r.start_row = e.src_row AND r.node = e.parent_id)
);
