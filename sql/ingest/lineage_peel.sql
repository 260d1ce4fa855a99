-- own_ancestor, step 2 (repeated until nothing changes): a relation whose parent is nobody's
-- child, or whose child is nobody's parent, cannot lie on a cycle. Peeling them off leaves
-- only the relations on or between cycles (none in clean data), so the search in step 3 stays
-- small at national scale.
DELETE FROM lineage
WHERE parent_id NOT IN (SELECT child_id FROM lineage)
   OR child_id NOT IN (SELECT parent_id FROM lineage);
