-- Escalation (docs/definitions.md §4.6): every spell start with a known status in the window,
-- and one curve row per undropped index: time to escalation (event = escalation; otherwise
-- censored at min(fu - index, W), the engine's time_days, so the curve covers days 0 to W).
-- provider (docs/definitions.md §5.4): the spell's first episode's provider (study_spells / study_episode_spells).
SELECT e.person_id, e.index_date AS entry_date, e.index_date, '' AS sub, e.window_days::INTEGER AS window_days,
       e.status AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       s.level, s.care_form, NULL AS measure_kind, NULL AS report_kind, s.provider
FROM escalation e JOIN study_spells s USING (person_id, spell_no)
WHERE e.status IN ('event', 'no_event')
UNION ALL
SELECT e.person_id, e.index_date, e.index_date, '', NULL, NULL, e.time_days, e.status = 'event', s.level, s.care_form, NULL, NULL, s.provider
FROM escalation e JOIN study_spells s USING (person_id, spell_no)
WHERE e.status <> 'dropped'
