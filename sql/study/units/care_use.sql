-- Care use, the CBS benchmark figure (docs/definitions.md §4.15): every youth with a care
-- episode active on a day of the period on which they were aged 0-17, once per period; placed
-- by the residence row valid on the period's last day, else the row valid latest in the period
-- (then the latest valid_from, the highest codes); age = completed years on 1 January of the
-- period's year (0 for a child born later that year), the age of the population table.
INSERT INTO study_rate_rows BY NAME
WITH active AS (
    SELECT DISTINCT p.period, p.year, p.first_day, p.last_day, e.person_id
    FROM care_episodes e JOIN persons pe USING (person_id)
    JOIN study_periods p
      ON e.start_date <= least(p.last_day, study_birthday(pe.birth_date, 18) - 1)
     AND coalesce(e.end_date, DATE '9999-12-31') >= greatest(p.first_day, pe.birth_date)
),
placed AS (
    SELECT a.period, a.person_id,
           arg_max(r.municipality, (least(coalesce(r.valid_to, a.last_day), a.last_day), r.valid_from, r.municipality, coalesce(r.district, ''))) AS municipality,
           arg_max(r.district, (least(coalesce(r.valid_to, a.last_day), a.last_day), r.valid_from, r.municipality, coalesce(r.district, ''))) AS district
    FROM active a JOIN residence r
      ON r.person_id = a.person_id AND r.valid_from <= a.last_day AND (r.valid_to IS NULL OR r.valid_to >= a.first_day)
    GROUP BY ALL
)
SELECT 'all' AS cohort, 'care_use' AS outcome, a.person_id, a.period, a.year AS index_year,
       coalesce(pl.municipality, 'unknown') AS municipality, study_district(pl.municipality, pl.district) AS district,
       pe.sex, greatest(study_age(pe.birth_date, make_date(a.year, 1, 1)), 0) AS age
FROM active a JOIN persons pe USING (person_id)
LEFT JOIN placed pl USING (period, person_id);
