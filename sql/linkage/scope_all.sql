-- The scope of the linkage tables without a cohort: every G2 row of the run and every heavily
-- exposed parent. long.sql reads linkage_g2_scope, heavy_links.sql reads linkage_heavy.
CREATE OR REPLACE TEMP VIEW linkage_g2_scope AS SELECT * FROM linkage_g2;
CREATE OR REPLACE TEMP VIEW linkage_heavy AS SELECT person_id, sex FROM person_summary WHERE heavy;
