-- A staging table: the typed columns of one delivered table (from data-schema/).
CREATE TABLE {{name}} ({{columns}});
