-- A view over one result table of the current outcome run (the run folder is on the
-- connection's file search path); the body is one or two of the parts below, joined by
-- UNION ALL. The name is a result table name from kohort's own code.
CREATE VIEW "{{name}}" AS
{{body}};
