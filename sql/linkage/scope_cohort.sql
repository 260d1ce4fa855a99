-- The members of the cohort a linkage table set is restricted to (docs/definitions.md §4.13.7),
-- filled by kohort (one row per person), and the relation kinds of the run when the caller has
-- not set them (the whole run sets them from its config, the export from linkage_g2).
CREATE OR REPLACE TEMP TABLE linkage_cohort (person_id VARCHAR PRIMARY KEY);
CREATE TEMP TABLE IF NOT EXISTS linkage_kinds AS SELECT DISTINCT relation_kind AS kind FROM linkage_g2;
