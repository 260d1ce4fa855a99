-- A cohort of children (docs/definitions.md §4.13.7): the G2 rows of the cohort's members (a
-- member who is a child of a linked kind, per kind); heavily exposed parents as without a
-- cohort (resilience then counts those with a child in the cohort, over those children only).
CREATE OR REPLACE TEMP VIEW linkage_g2_scope AS
SELECT g.* FROM linkage_g2 g WHERE g.child_id IN (SELECT person_id FROM linkage_cohort);
CREATE OR REPLACE TEMP VIEW linkage_heavy AS SELECT person_id, sex FROM person_summary WHERE heavy;
