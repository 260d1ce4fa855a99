-- Persons of a table in a source's first delivery: all of them changed.
INSERT INTO changed
SELECT DISTINCT {{pcol}}, '{{table}}' FROM {{ok}} WHERE {{pcol}} IS NOT NULL;
