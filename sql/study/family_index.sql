-- The family indexes of a study (issue 16, docs/definitions.md §4.8.5). The study's family
-- index (study_family_settings.entry) is a safety report, a measure start or a spell start:
-- - report: every report index of the outcome run that is not dropped, with the household the
--   report names, else the household the child lives in on the report date; fu is the index's;
-- - measure_start: the start of every protection measure episode (§3.5: a provisional measure
--   joined by the full one is one episode; the measures of the run's ladder's compulsory frame,
--   §3.4, so not youth probation), as measures_imposed counts them;
-- - spell_start: every spell's start (as the cohort entry any_spell);
--   both with the household the child lives in on that day and fu the child's safety follow-up
--   end (§4.1.2 with the run's safety age limit), dropped (left out) when on or after fu.
-- The household the child lives in: `households` rows valid that day, both ends included; the
-- latest valid_from, then the highest household id. An index without a household is not a
-- family index. A family counts once per period: of a household's indexes in a period of the
-- study (year, quarter or all) only the first (date, then person, then index number) is its
-- index, so every figure counts distinct households. In a cohort study only indexes on a
-- member's index date compete. Members: every person with a `households` row of that household
-- valid on the index date, and the index child (always a child of its family).
CREATE OR REPLACE TEMP VIEW study_family_index AS
WITH fs AS (SELECT * FROM study_family_settings),
fu AS (
    SELECT p.person_id,
           least(coalesce(p.death_date, DATE '9999-12-31'), coalesce(p.emigration_date, DATE '9999-12-31'),
                 p.extracted_on, study_birthday(p.birth_date, fs.age_limit)) AS fu_date
    FROM persons p CROSS JOIN fs
),
idx AS (
    SELECT x.person_id, x.index_no, x.index_date, x.fu_date, x.report_id, r.household_id AS named
    FROM safety x JOIN safety_reports r ON r.report_id = x.report_id AND r.person_id = x.person_id
    WHERE (SELECT entry FROM fs) = 'report' AND x.index_kind = 'report' AND NOT x.dropped
    UNION ALL
    SELECT m.person_id, row_number() OVER (PARTITION BY m.person_id ORDER BY m.start, m.measure_id) AS index_no,
           m.start AS index_date, fu.fu_date, NULL AS report_id, NULL AS named
    FROM measure_episodes m JOIN fu USING (person_id)
    WHERE (SELECT entry FROM fs) = 'measure_start' AND m.protection AND m.start < fu.fu_date
    UNION ALL
    SELECT s.person_id, s.spell_no AS index_no, s.start AS index_date, fu.fu_date, NULL AS report_id, NULL AS named
    FROM spells s JOIN fu USING (person_id)
    WHERE (SELECT entry FROM fs) = 'spell_start' AND s.start < fu.fu_date
),
lives AS (
    SELECT i.person_id, i.index_no, arg_max(h.household_id, (h.valid_from, h.household_id)) AS household_id
    FROM idx i JOIN households h
      ON h.person_id = i.person_id AND h.valid_from <= i.index_date AND (h.valid_to IS NULL OR i.index_date <= h.valid_to)
    GROUP BY ALL
),
families AS (
    SELECT i.person_id, i.index_no, i.index_date, i.fu_date, i.report_id, coalesce(i.named, l.household_id) AS household_id
    FROM idx i LEFT JOIN lives l USING (person_id, index_no)
    WHERE coalesce(i.named, l.household_id) IS NOT NULL
      AND (NOT EXISTS (SELECT 1 FROM study_members)
           OR EXISTS (SELECT 1 FROM study_members m WHERE m.person_id = i.person_id AND m.index_date = i.index_date))
)
SELECT person_id, index_no, index_date, fu_date, report_id, household_id
FROM families CROSS JOIN study_settings s
QUALIFY row_number() OVER (
    PARTITION BY household_id, CASE s.period_kind WHEN 'year' THEN year(index_date)
                                                 WHEN 'quarter' THEN study_q(index_date) ELSE 0 END
    ORDER BY index_date, person_id, index_no) = 1;

CREATE OR REPLACE TEMP VIEW study_family_members AS
SELECT DISTINCT f.person_id, f.index_no, h.person_id AS member, h.role
FROM study_family_index f JOIN households h
  ON h.household_id = f.household_id AND h.valid_from <= f.index_date AND (h.valid_to IS NULL OR f.index_date <= h.valid_to)
UNION
SELECT f.person_id, f.index_no, f.person_id AS member, 'child' AS role FROM study_family_index f;

-- Per family index and window of the run (its safety windows), the window's last day and whether
-- the index child's follow-up covers it.
CREATE OR REPLACE TEMP VIEW study_family_windows AS
SELECT f.*, w.window_days, f.index_date + w.window_days AS window_end, f.fu_date >= f.index_date + w.window_days AS complete
FROM study_family_index f CROSS JOIN study_family_windows_of_run w;
