-- The index rows of one outcome in a monitor study: every index, cohort `all`, dated by the
-- outcome's own index date; the unit's other columns by name (a unit without `provider` leaves
-- it null). {{units}} is the outcome's SELECT (sql/study/units/<id>.sql, a file
-- of kohort's, not user text). params: $1 the outcome id
INSERT INTO study_units BY NAME
SELECT 'all' AS cohort, $1 AS outcome, u.person_id, u.index_date AS figure_date,
       u.* EXCLUDE (person_id, entry_date, index_date)
FROM ({{units}}) u;
