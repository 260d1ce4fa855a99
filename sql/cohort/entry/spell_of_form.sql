-- Entry spell_of_form: the start of every spell with an episode of a listed care form
-- (cohort_forms) starting that day.
SELECT s.person_id, s.start AS index_date
FROM spells s
JOIN care_episodes e ON e.person_id = s.person_id AND e.start_date = s.start
WHERE e.care_form IN (SELECT care_form FROM cohort_forms)
