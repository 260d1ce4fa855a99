-- The relation kinds of a linkage run (one variant each), filled from the config.
CREATE TEMP TABLE linkage_kinds (kind VARCHAR);
