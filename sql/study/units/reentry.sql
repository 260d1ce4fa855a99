-- Re-entry (docs/definitions.md §4.3): one row per closed spell and window with a known status
-- (event / no_event; censored and dropped indexes are in no figure), and one curve row per
-- undropped index (time to re-entry, event = a re-entry, everything else censors: the
-- engine's reentry_km reading). Entry = the spell's start; index = its end.
-- provider (docs/definitions.md §5.4): the spell's first episode's provider (study_spells / study_episode_spells).
SELECT w.person_id, s.start AS entry_date, w.index_date, '' AS sub, w.window_days::INTEGER AS window_days,
       w.status AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       s.level, s.care_form, NULL AS measure_kind, NULL AS report_kind, s.provider
FROM reentry_windows w JOIN study_spells s USING (person_id, spell_no)
WHERE w.status IN ('event', 'no_event')
UNION ALL
SELECT r.person_id, s.start, r.index_date, '', NULL, NULL, r.time_days, r.cause = 1, s.level, s.care_form, NULL, NULL, s.provider
FROM reentry r JOIN study_spells s USING (person_id, spell_no)
WHERE NOT r.dropped
