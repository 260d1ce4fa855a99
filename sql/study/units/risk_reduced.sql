-- Delinquency risk reduced (docs/definitions.md §4.17.4, §5.10): per closed youth probation
-- measure and configured risk instrument (sub), the category reduced, unchanged or increased.
-- Entry = the measure's start, index = its end.
SELECT r.person_id, m.start AS entry_date, m."end" AS index_date, r.instrument AS sub, NULL::INTEGER AS window_days,
       r.change AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       NULL AS level, NULL AS care_form, m.kind AS measure_kind, NULL AS report_kind
FROM risk_change r
JOIN measure_episodes m ON m.person_id = r.person_id AND m.measure_id = r.measure_id
