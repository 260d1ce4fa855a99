-- De-escalation (docs/definitions.md §4.6): every spell start with a known de-escalation status.
-- provider (docs/definitions.md §5.4): the spell's first episode's provider (study_spells / study_episode_spells).
SELECT e.person_id, e.index_date AS entry_date, e.index_date, '' AS sub, e.window_days::INTEGER AS window_days,
       e.deesc_status AS category, NULL::BIGINT AS time_days, NULL::BOOLEAN AS event,
       s.level, s.care_form, NULL AS measure_kind, NULL AS report_kind, s.provider
FROM escalation e JOIN study_spells s USING (person_id, spell_no)
WHERE e.deesc_status IN ('event', 'no_event')
