-- An empty stand-in for the `spells` result view when there is no outcome run, so an entry that
-- does not read spells (birth, safety_report, measure_start) runs without one (entry.sql names
-- every entry kind's source).
CREATE TEMP VIEW spells AS
SELECT NULL::VARCHAR AS person_id, NULL::DATE AS start, NULL::BIGINT AS spell_no, NULL::INTEGER AS index_level
WHERE false;
