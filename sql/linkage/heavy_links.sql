-- The links of heavily exposed G1 parents (heavy before 18), as a table: few rows, and the
-- resilience query's join should know it. Read by resilience.sql. The parents come from
-- linkage_heavy (scope_*.sql: all heavily exposed persons, or those of a cohort of parents).
CREATE OR REPLACE TEMP TABLE heavy_links AS
SELECT DISTINCT r.kind AS relation_kind, r.parent_id, h.sex AS parent_sex, r.child_id
FROM relations r
JOIN linkage_heavy h ON h.person_id = r.parent_id
JOIN linkage_kinds k ON k.kind = r.kind;
