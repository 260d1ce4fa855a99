-- Protection measures imposed in the period (issue 16, docs/definitions.md §4.8.6): every
-- protection measure episode (docs/definitions.md §3.5: a provisional measure joined by the full
-- one is one episode), dated by its start, a plain count; its kind is the measure_kind split.
SELECT m.person_id, m.start AS entry_date, m.start AS index_date, '' AS sub, NULL::INTEGER AS window_days,
       'count' AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form,
       m.kind AS measure_kind, NULL AS report_kind
FROM measure_episodes m
WHERE m.protection
