-- A cohort of parents (docs/definitions.md §4.13.7): the G2 rows of children with at least one
-- linked parent (same relation kind) in the cohort, with their exposures from all their linked
-- parents as without a cohort; heavily exposed parents only those in the cohort.
CREATE OR REPLACE TEMP VIEW linkage_g2_scope AS
SELECT g.* FROM linkage_g2 g
WHERE EXISTS (
    SELECT 1 FROM relations r JOIN linkage_cohort c ON c.person_id = r.parent_id
    WHERE r.kind = g.relation_kind AND r.child_id = g.child_id
);
CREATE OR REPLACE TEMP VIEW linkage_heavy AS
SELECT person_id, sex FROM person_summary WHERE heavy AND person_id IN (SELECT person_id FROM linkage_cohort);
