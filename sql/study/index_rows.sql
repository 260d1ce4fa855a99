-- The per-index outcome rows of the cohort members, with what the splits need. Level = the
-- spell's level at its start (`spells.index_level`); care form = the form of the spell's first
-- episode (by start date, then episode id). Join rules:
-- re-entry = the end of the cohort's spell (the spell starting on the index date; its windows
-- in reentry_windows); escalation = the spell start itself (escalation.index_date); rereport = a
-- new safety report after the end of the cohort's spell (the safety index of kind spell_end of
-- that spell, its windows in safety_windows: the safety outcome of docs/definitions.md §4.8.3). Region at the
-- index date: the residence row valid then (latest valid_from), mapped to the youth region valid
-- in the index year; `unknown` when none, so categories stay exhaustive.
CREATE OR REPLACE TEMP TABLE study_index AS
WITH first_form AS (
    -- The care form of a spell's first episode (by start date, then episode id).
    SELECT se.person_id, se.spell_no, arg_min(e.care_form, (e.start_date, e.episode_id)) AS care_form
    FROM spell_episodes se JOIN care_episodes e ON e.episode_id = se.episode_id AND e.person_id = se.person_id
    GROUP BY ALL
),
spell AS (
    -- The care form from an incremental run's cache where it has it.
    SELECT s.person_id, s.spell_no, s.start, s.index_level, coalesce(c.care_form, f.care_form) AS care_form
    FROM spells s LEFT JOIN first_form f USING (person_id, spell_no)
    LEFT JOIN study_form_cache c ON c.person_id = s.person_id AND c.index_date = s.start
),
idx AS (
    SELECT m.cohort, m.person_id, m.index_date, 'reentry' AS outcome, w.window_days, w.status,
           s.index_level, s.care_form
    FROM study_members m
    JOIN spell s ON s.person_id = m.person_id AND s.start = m.index_date
    JOIN reentry_windows w ON w.person_id = s.person_id AND w.spell_no = s.spell_no
    UNION ALL
    SELECT m.cohort, m.person_id, m.index_date, 'escalation', e.window_days, e.status,
           s.index_level, s.care_form
    FROM study_members m
    JOIN escalation e ON e.person_id = m.person_id AND e.index_date = m.index_date
    LEFT JOIN spell s ON s.person_id = e.person_id AND s.spell_no = e.spell_no
    UNION ALL
    SELECT m.cohort, m.person_id, m.index_date, 'rereport', w.window_days, w.status,
           s.index_level, s.care_form
    FROM study_members m
    JOIN spell s ON s.person_id = m.person_id AND s.start = m.index_date
    JOIN safety x ON x.person_id = s.person_id AND x.index_kind = 'spell_end' AND x.spell_no = s.spell_no
    JOIN safety_windows w ON w.person_id = x.person_id AND w.index_no = x.index_no
),
points AS (
    -- Each (person, index date) once: an index has several window rows.
    SELECT DISTINCT person_id, index_date FROM idx
),
placed AS (
    SELECT pt.person_id, pt.index_date, arg_max(r.municipality, r.valid_from) AS municipality
    FROM points pt JOIN residence r
      ON r.person_id = pt.person_id AND r.valid_from <= pt.index_date
     AND (r.valid_to IS NULL OR pt.index_date <= r.valid_to)
    GROUP BY ALL
),
located AS (
    -- Taken from an incremental run's cache where it has them, looked up otherwise.
    SELECT c.person_id, c.index_date, c.municipality, c.youth_region
    FROM points pt JOIN study_located_cache c USING (person_id, index_date)
    UNION ALL
    SELECT pt.person_id, pt.index_date, coalesce(pl.municipality, 'unknown') AS municipality,
           coalesce((SELECT min(g.youth_region) FROM study_regions g
                     WHERE g.municipality = pl.municipality AND g.from_year <= year(pt.index_date)
                       AND (g.to_year IS NULL OR year(pt.index_date) <= g.to_year)), 'unknown') AS youth_region
    FROM points pt LEFT JOIN placed pl USING (person_id, index_date)
    WHERE NOT EXISTS (SELECT 1 FROM study_located_cache c
                      WHERE c.person_id = pt.person_id AND c.index_date = pt.index_date)
),
aged AS (
    SELECT idx.*, p.sex, l.municipality, l.youth_region,
           year(idx.index_date) - year(p.birth_date)
             - CASE WHEN month(idx.index_date) < month(p.birth_date)
                      OR (month(idx.index_date) = month(p.birth_date) AND day(idx.index_date) < day(p.birth_date))
                    THEN 1 ELSE 0 END AS age
    FROM idx JOIN persons p USING (person_id)
    JOIN located l USING (person_id, index_date)
)
SELECT a.cohort, a.person_id, a.index_date, a.outcome, a.window_days, a.status, a.sex,
       coalesce(a.index_level::VARCHAR, 'unknown') AS level, coalesce(a.care_form, 'unknown') AS care_form,
       CASE WHEN a.age BETWEEN 0 AND 3 THEN '0-3' WHEN a.age BETWEEN 4 AND 11 THEN '4-11'
            WHEN a.age BETWEEN 12 AND 17 THEN '12-17' WHEN a.age BETWEEN 18 AND 22 THEN '18-22'
            ELSE 'other' END AS age_band,
       year(a.index_date)::VARCHAR AS index_year,
       a.municipality, a.youth_region
FROM aged a;
