-- The index rows of one outcome in a monitor study: every index, cohort `all`, dated by the
-- outcome's own index date. {{units}} is the outcome's SELECT (sql/study/units/<id>.sql, a file
-- of kohort's, not user text; a unit file may add `subject_id` and `provider`, setup.sql: the
-- wrapper inserts its columns by name, a column a unit lacks stays null). params: $1 the
-- outcome id
INSERT INTO study_units BY NAME
SELECT 'all' AS cohort, $1 AS outcome, u.* EXCLUDE (entry_date, index_date), u.index_date AS figure_date
FROM ({{units}}) u;
