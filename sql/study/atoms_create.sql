-- A table of additive counts from every row (a full study run). {{table}} is its name,
-- {{counts}} the query (both from kohort's own code).
CREATE OR REPLACE TEMP TABLE {{table}} AS
{{counts}};
