-- Step 0 of a cohort: every candidate index event of the entry kind (one per person and date).
-- Spells come from the current outcome run (`spells`, gap as configured there).
-- params: $1 entry kind, $2 minimum index level (spell_of_level)
CREATE OR REPLACE TEMP TABLE cohort_step AS
SELECT DISTINCT person_id, index_date FROM (
    SELECT person_id, start AS index_date FROM spells WHERE $1 = 'first_spell' AND spell_no = 0
    UNION ALL
    SELECT person_id, start FROM spells WHERE $1 = 'any_spell'
    UNION ALL
    SELECT person_id, start FROM spells WHERE $1 = 'spell_of_level' AND index_level >= $2
    UNION ALL
    SELECT s.person_id, s.start FROM spells s
    JOIN care_episodes e ON e.person_id = s.person_id AND e.start_date = s.start
    WHERE $1 = 'spell_of_form' AND e.care_form IN (SELECT care_form FROM cohort_forms)
    UNION ALL
    SELECT person_id, report_date FROM safety_reports WHERE $1 = 'safety_report'
    UNION ALL
    SELECT person_id, start_date FROM measures WHERE $1 = 'measure_start'
    UNION ALL
    SELECT person_id, birth_date FROM persons WHERE $1 = 'birth'
);
