-- Goal attainment (docs/definitions.md §4.12.3): closed episodes with a goal-attainment score;
-- event = fully or partly attained. Entry = the start of the episode's spell, index = its end.
-- provider (docs/definitions.md §5.4): the episode's own provider (study_spells / study_episode_spells).
SELECT e.person_id, s.start AS entry_date, e."end" AS index_date, '' AS sub, NULL::INTEGER AS window_days,
       CASE WHEN e.goal_attained THEN 'event' ELSE 'no_event' END AS category, NULL::BIGINT AS time_days,
       NULL::BOOLEAN AS event, e.level::VARCHAR AS level, e.care_form, NULL AS measure_kind, NULL AS report_kind, s.provider
FROM episode_indicators e JOIN study_episode_spells s USING (person_id, episode_id)
WHERE e.goal_attained IS NOT NULL
