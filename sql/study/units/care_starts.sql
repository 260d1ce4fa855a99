-- Care starts (docs/definitions.md §5.11): every youth whose care spell started in the period
-- at ages 0-17, once per period, placed by the residence row valid on their first such start
-- (latest valid_from, then the highest codes); age on 1 January of the period's year.
INSERT INTO study_rate_rows BY NAME
WITH starts AS (
    SELECT p.period, p.year, s.person_id, min(s.start) AS start
    FROM spells s JOIN persons pe USING (person_id)
    JOIN study_periods p ON s.start BETWEEN p.first_day AND p.last_day
    WHERE study_age(pe.birth_date, s.start) BETWEEN 0 AND 17
    GROUP BY ALL
),
placed AS (
    SELECT st.period, st.person_id,
           arg_max(r.municipality, (r.valid_from, r.municipality, coalesce(r.district, ''))) AS municipality,
           arg_max(r.district, (r.valid_from, r.municipality, coalesce(r.district, ''))) AS district
    FROM starts st JOIN residence r
      ON r.person_id = st.person_id AND r.valid_from <= st.start AND (r.valid_to IS NULL OR st.start <= r.valid_to)
    GROUP BY ALL
)
SELECT 'all' AS cohort, 'care_starts' AS outcome, st.person_id, st.period, st.year AS index_year,
       coalesce(pl.municipality, 'unknown') AS municipality, study_district(pl.municipality, pl.district) AS district,
       pe.sex, greatest(study_age(pe.birth_date, make_date(st.year, 1, 1)), 0) AS age
FROM starts st JOIN persons pe USING (person_id)
LEFT JOIN placed pl USING (period, person_id);
