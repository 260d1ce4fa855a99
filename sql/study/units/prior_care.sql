-- Prior care at a spell start, the CBS reading (docs/definitions.md §4.4): every spell start;
-- event = an earlier spell ended within the look-back. No window, no censoring.
-- provider (docs/definitions.md §5.4): the spell's first episode's provider (study_spells / study_episode_spells).
SELECT p.person_id, p.spell_start AS entry_date, p.spell_start AS index_date, '' AS sub, NULL::INTEGER AS window_days,
       CASE WHEN p.prior_care THEN 'event' ELSE 'no_event' END AS category, NULL::BIGINT AS time_days,
       NULL::BOOLEAN AS event, s.level, s.care_form, NULL AS measure_kind, NULL AS report_kind, s.provider
FROM prior_care p JOIN study_spells s USING (person_id, spell_no)
