-- A cohort's linkage table as written by `kohort linkage --cohort` (for its printed summary).
-- Templates: the view name is one of kohort's fixed identifiers, the file the path kohort wrote
-- (single quotes doubled); a view definition takes no parameters.
CREATE OR REPLACE TEMP VIEW {{name}} AS SELECT * FROM read_parquet('{{file}}')
