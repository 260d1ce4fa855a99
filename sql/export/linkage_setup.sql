-- Inputs of a linkage export, filled by kohort: the family (cluster) of every linked person per
-- relation kind, and the relation kinds of the run (for sql/linkage/heavy_links.sql).
CREATE OR REPLACE TEMP TABLE families (relation_kind VARCHAR, person_id VARCHAR, family BIGINT);
CREATE OR REPLACE TEMP TABLE linkage_kinds AS SELECT DISTINCT relation_kind AS kind FROM linkage_g2;
