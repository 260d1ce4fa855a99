-- The cohort of tiny_spells_2016_2022.toml written as one plain query over the store views and
-- the outcome run's `spells` (kohort cohort cohorts/tiny_spells_2016_2022_sql.toml runs it).
WITH starts AS (
    SELECT s.person_id, s.start AS index_date
    FROM spells s JOIN persons p USING (person_id)
    WHERE s.start BETWEEN DATE '2016-01-01' AND DATE '2022-12-31'
      AND date_sub('year', p.birth_date, s.start) BETWEEN 0 AND 17
      AND EXISTS (SELECT 1 FROM residence r
                  WHERE r.person_id = s.person_id AND r.municipality = 'GM0014'
                    AND r.valid_from <= s.start AND (r.valid_to IS NULL OR s.start <= r.valid_to))
      AND NOT EXISTS (SELECT 1 FROM care_episodes e
                      WHERE e.person_id = s.person_id AND e.start_date < s.start
                        AND coalesce(e.end_date, DATE '9999-12-31') >= s.start - 365)
)
SELECT person_id, min(index_date) AS index_date FROM starts GROUP BY person_id
