-- Recidivism after a youth probation measure (docs/definitions.md §4.17, §5.10): every end of
-- a closed youth probation measure (index_kind `probation_end`) whose window is complete or
-- holds a new offence; sub = the variant (`any`: algemene recidive, `serious`: ernstige
-- recidive), one row per window (1, 2 and 5 years by default). Entry = the measure's start,
-- index = its end. A store without offences gives no rows: recidivism is unknown there, not 0 %.
SELECT w.person_id, m.start AS entry_date, w.index_date, w.variant AS sub, w.window_days::INTEGER AS window_days,
       w.status AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       NULL AS level, NULL AS care_form, m.kind AS measure_kind, NULL AS report_kind
FROM recidivism_windows w JOIN recidivism r USING (person_id, index_no)
JOIN measure_episodes m ON m.person_id = r.person_id AND m.measure_id = r.measure_id
WHERE w.index_kind = 'probation_end' AND w.status IN ('event', 'no_event')
  AND EXISTS (SELECT 1 FROM offences)
