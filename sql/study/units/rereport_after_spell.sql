-- A new report after the end of a spell (docs/definitions.md §4.8.3): entry = the spell's start,
-- index = its end.
-- provider (docs/definitions.md §5.4): the spell's first episode's provider (study_spells / study_episode_spells).
SELECT w.person_id, s.start AS entry_date, w.index_date, '' AS sub, w.window_days::INTEGER AS window_days,
       w.status AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       s.level, s.care_form, NULL AS measure_kind, NULL AS report_kind, s.provider
FROM safety_windows w JOIN safety x USING (person_id, index_no)
JOIN study_spells s ON s.person_id = x.person_id AND s.spell_no = x.spell_no
WHERE w.index_kind = 'spell_end' AND w.status IN ('event', 'no_event')
