-- Persons entering k-anonymity (one quasi-identifier record each).
SELECT count(*) FROM panel_qi;
