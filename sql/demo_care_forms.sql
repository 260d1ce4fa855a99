-- Care episodes per care form, for `kohort demo`.
SELECT care_form, count(*) AS episodes, count(DISTINCT person_id) AS persons,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct_of_episodes
FROM care_episodes
GROUP BY care_form
ORDER BY episodes DESC, care_form;
