-- The panel's parameters, one row (columns as panel_settings in setup.sql: months per
-- period, date precision, from, to, exit age, k, clusters, qi_sex, qi_birth, qi_geo, index_after,
-- index_within, entry_from, entry_to).
INSERT INTO panel_settings VALUES (?, ?, ?::DATE, ?::DATE, ?, ?, ?, ?, ?, ?, ?, ?, ?::DATE, ?::DATE);
