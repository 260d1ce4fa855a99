-- Entry activity: the start of every spell (outcome run's spells) during which the person
-- received the activity: an episode of the spell matching every list given (cohort_forms,
-- cohort_providers, cohort_referrers, cohort_programmes; an empty list does not filter); with exclude, the spells
-- with no such episode.
SELECT s.person_id, s.start AS index_date
FROM spells s
WHERE EXISTS (
    SELECT 1 FROM spell_episodes se
    JOIN care_episodes e ON e.episode_id = se.episode_id AND e.person_id = se.person_id
    WHERE se.person_id = s.person_id AND se.spell_no = s.spell_no
      AND (NOT EXISTS (SELECT 1 FROM cohort_forms) OR e.care_form IN (SELECT care_form FROM cohort_forms))
      AND (NOT EXISTS (SELECT 1 FROM cohort_providers)
           OR e.provider_id IN (SELECT provider_id FROM cohort_providers))
      AND (NOT EXISTS (SELECT 1 FROM cohort_referrers) OR e.referrer IN (SELECT referrer FROM cohort_referrers))
      AND (NOT EXISTS (SELECT 1 FROM cohort_programmes)
           OR e.programme IN (SELECT programme FROM cohort_programmes))
) <> (SELECT exclude FROM cohort_activity)
