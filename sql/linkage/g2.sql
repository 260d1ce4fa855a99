-- G2: every child in `relations` of a linked kind (docs/definitions.md §4.13.1), once per kind, with its linked parents' exposures (from `person_summary`) and its own outcome and
-- follow-up to age A. Exposed = at least one linked parent is G1; mother / father = a linked
-- parent of sex f / m is G1; both = two or more linked parents are G1; heavy = a linked parent
-- is heavy (an out-of-home start or a measure before 18). One outcome date per variant: the first
-- start of the event (care_date: a spell; measure_date: any measure; out_of_home_date: an
-- episode at level >= 4) strictly before the A-th birthday and on or before the follow-up end,
-- else null. Relation validity dates are not used: a parent is a parent.
WITH links AS (
    SELECT DISTINCT r.kind AS relation_kind, r.parent_id, r.child_id
    FROM relations r JOIN linkage_kinds k ON k.kind = r.kind
),
parents AS (
    SELECT l.relation_kind, l.child_id,
           count(*) AS n_parents,
           count(*) FILTER (WHERE p.g1) AS n_g1_parents,
           coalesce(bool_or(p.g1 AND p.sex = 'f'), false) AS exposed_mother,
           coalesce(bool_or(p.g1 AND p.sex = 'm'), false) AS exposed_father,
           coalesce(bool_or(p.heavy), false) AS exposed_heavy
    FROM links l LEFT JOIN person_summary p ON p.person_id = l.parent_id
    GROUP BY ALL
)
SELECT pa.relation_kind, c.person_id AS child_id, c.sex, c.birth_date,
       pa.n_parents, pa.n_g1_parents,
       pa.n_g1_parents > 0 AS exposed, pa.exposed_mother, pa.exposed_father,
       pa.n_g1_parents >= 2 AS exposed_both, pa.exposed_heavy,
       c.fu_date, c.fu_reason, c.fu_date >= c.birthday_a AS followed_to_a,
       CASE WHEN c.first_care_start < c.birthday_a AND c.first_care_start <= c.fu_date
            THEN c.first_care_start END AS care_date,
       CASE WHEN c.first_measure_start < c.birthday_a AND c.first_measure_start <= c.fu_date
            THEN c.first_measure_start END AS measure_date,
       CASE WHEN c.first_out_of_home_start < c.birthday_a AND c.first_out_of_home_start <= c.fu_date
            THEN c.first_out_of_home_start END AS out_of_home_date
FROM parents pa
JOIN person_summary c ON c.person_id = pa.child_id
ORDER BY pa.relation_kind, c.person_id
