-- Reference (plain SQL over the store views) for docs/definitions.md §4.13, default
-- reading: relation kind `biological`, outcome = first care spell start (= earliest episode
-- start) strictly before the 18th birthday and on or before the child's follow-up end.
-- One row per G2 child: exposed (a parent is G1), mother/father exposed, outcome date,
-- followed_to_18. Written independently of kohort's linkage (by another engineer, from the reference specification
-- alone); tests/linkage.rs compares it with `linkage_g2` child for child.
WITH p AS (
    SELECT person_id, birth_date, sex, death_date, emigration_date, extracted_on,
           CASE WHEN month(birth_date) = 2 AND day(birth_date) = 29
                THEN make_date(year(birth_date) + 18, 3, 1)
                ELSE CAST(birth_date + INTERVAL 18 YEAR AS DATE) END AS age18
    FROM persons
),
fu AS (
    SELECT *, least(coalesce(death_date, DATE '9999-12-31'),
                    coalesce(emigration_date, DATE '9999-12-31'),
                    extracted_on, age18) AS fu_date
    FROM p
),
first_start AS (
    SELECT person_id, min(start_date) AS first_care FROM care_episodes GROUP BY person_id
),
first_measure AS (
    SELECT person_id, min(start_date) AS first_measure FROM measures GROUP BY person_id
),
g1 AS (
    SELECT fu.person_id, fu.sex
    FROM fu
    LEFT JOIN first_start USING (person_id)
    LEFT JOIN first_measure USING (person_id)
    WHERE first_care < age18 OR first_measure < age18
),
links AS (
    SELECT DISTINCT r.child_id, r.parent_id, par.sex AS parent_sex,
           g1.person_id IS NOT NULL AS parent_g1
    FROM relations r
    LEFT JOIN persons par ON par.person_id = r.parent_id
    LEFT JOIN g1 ON g1.person_id = r.parent_id
    WHERE r.kind = 'biological'
),
g2 AS (
    SELECT child_id,
           bool_or(parent_g1) AS exposed,
           bool_or(parent_g1 AND parent_sex = 'f') AS mother_exposed,
           bool_or(parent_g1 AND parent_sex = 'm') AS father_exposed,
           count(*) AS n_parents
    FROM links GROUP BY child_id
)
SELECT g2.*, fu.birth_date, fu.fu_date,
       CASE WHEN fs.first_care < fu.age18 AND fs.first_care <= fu.fu_date
            THEN fs.first_care END AS outcome_date,
       fu.fu_date = fu.age18 AS followed_to_18
FROM g2
JOIN fu ON fu.person_id = g2.child_id
LEFT JOIN first_start fs ON fs.person_id = g2.child_id
ORDER BY g2.child_id;
