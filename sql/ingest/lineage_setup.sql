-- own_ancestor, step 1: the relations not quarantined so far.
CREATE OR REPLACE TEMP TABLE lineage AS
SELECT src_row, parent_id, child_id FROM {{stg}} WHERE src_row NOT IN (SELECT src_row FROM {{q}});
