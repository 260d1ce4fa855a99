-- Out-of-home placement during a protection measure episode (docs/definitions.md §4.11): every
-- protection measure episode, open ones too. Entry and index = its start.
SELECT m.person_id, m.start AS entry_date, m.start AS index_date, '' AS sub, NULL::INTEGER AS window_days,
       CASE WHEN m.out_of_home THEN 'event' ELSE 'no_event' END AS category, NULL::BIGINT AS time_days,
       NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form, m.kind AS measure_kind, NULL AS report_kind
FROM measure_episodes m
WHERE m.protection
