-- Transitions (docs/definitions.md §4.7, §5.10): every change of care state; the level before
-- is the `level` split, the category the level after (`to_<level>`), so the rows of a level
-- are the row percentages of the level-to-level matrix. Index = the first day in the new state.
SELECT t.person_id, t.date AS entry_date, t.date AS index_date, '' AS sub, NULL::INTEGER AS window_days,
       'to_' || t.to_level AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       t.from_level::VARCHAR AS level, NULL AS care_form, NULL AS measure_kind, NULL AS report_kind
FROM transitions t
