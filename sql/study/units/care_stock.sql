-- Care stock (docs/definitions.md §5.11): every youth aged 0-17 with a care episode active on
-- the period's reference day in the stock reading (start <= d < end; an open episode is
-- active), once per period, placed by the residence row valid that day (latest valid_from,
-- then the highest codes); age on 1 January of the period's year.
INSERT INTO study_rate_rows BY NAME
WITH stock AS (
    SELECT DISTINCT p.period, p.year, p.ref_day, e.person_id
    FROM care_episodes e JOIN persons pe USING (person_id)
    JOIN study_periods p
      ON e.start_date <= p.ref_day AND (e.end_date IS NULL OR p.ref_day < e.end_date)
     AND pe.birth_date <= p.ref_day AND p.ref_day < study_birthday(pe.birth_date, 18)
),
placed AS (
    SELECT st.period, st.person_id,
           arg_max(r.municipality, (r.valid_from, r.municipality, coalesce(r.district, ''))) AS municipality,
           arg_max(r.district, (r.valid_from, r.municipality, coalesce(r.district, ''))) AS district
    FROM stock st JOIN residence r
      ON r.person_id = st.person_id AND r.valid_from <= st.ref_day AND (r.valid_to IS NULL OR st.ref_day <= r.valid_to)
    GROUP BY ALL
)
SELECT 'all' AS cohort, 'care_stock' AS outcome, st.person_id, st.period, st.year AS index_year,
       coalesce(pl.municipality, 'unknown') AS municipality, study_district(pl.municipality, pl.district) AS district,
       pe.sex, greatest(study_age(pe.birth_date, make_date(st.year, 1, 1)), 0) AS age
FROM stock st JOIN persons pe USING (person_id)
LEFT JOIN placed pl USING (period, person_id);
