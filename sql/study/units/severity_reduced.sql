-- Reliable change (docs/definitions.md §4.12.5, §5.10): per closed episode and configured
-- instrument (sub), the category improved, unchanged or deteriorated. Entry = the start of the
-- episode's spell, index = the episode's end.
-- provider (docs/definitions.md §5.4): the episode's own provider (study_spells / study_episode_spells).
SELECT r.person_id, s.start AS entry_date, e."end" AS index_date, r.instrument AS sub, NULL::INTEGER AS window_days,
       r.change AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       e.level::VARCHAR AS level, e.care_form, NULL AS measure_kind, NULL AS report_kind, s.provider
FROM reliable_change r JOIN episode_indicators e USING (person_id, episode_id)
JOIN study_episode_spells s USING (person_id, episode_id)
