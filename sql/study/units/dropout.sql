-- Dropout, the NJi reading (docs/definitions.md §4.12.2): end reason early_client, over every closed episode.
-- Entry = the start of the episode's spell, index = the episode's end; level and care form
-- are the episode's own.
-- provider (docs/definitions.md §5.4): the episode's own provider (study_spells / study_episode_spells).
SELECT e.person_id, s.start AS entry_date, e."end" AS index_date, '' AS sub, NULL::INTEGER AS window_days,
       CASE WHEN coalesce(e.end_reason = 'early_client', false) THEN 'event' ELSE 'no_event' END AS category, NULL::BIGINT AS time_days,
       NULL::BOOLEAN AS event, e.level::VARCHAR AS level, e.care_form, NULL AS measure_kind, NULL AS report_kind, s.provider
FROM episode_indicators e JOIN study_episode_spells s USING (person_id, episode_id)
