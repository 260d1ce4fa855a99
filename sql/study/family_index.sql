-- The family indexes of a study (issue 16, docs/definitions.md §4.8.5): every report index of
-- the outcome run that is not dropped, with the household the report names, else the household
-- the child lives in on the report date (`households` rows valid that day, both ends included;
-- the latest valid_from, then the highest household id). A report without either is not a
-- family index. A family counts once per period: of a household's reports in a period of the
-- study (year, quarter or all) only the first (report date, then person, then index number)
-- is its index, so every figure counts distinct households. In a cohort study only reports on
-- a member's index date compete. Members: every person with a `households` row of that
-- household valid on the index date, and the index child (always a child of its family).
CREATE OR REPLACE TEMP VIEW study_family_index AS
WITH idx AS (
    SELECT x.person_id, x.index_no, x.index_date, x.fu_date, x.report_id, r.household_id AS named
    FROM safety x JOIN safety_reports r ON r.report_id = x.report_id AND r.person_id = x.person_id
    WHERE x.index_kind = 'report' AND NOT x.dropped
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

-- Per family index and window of the run (safety_windows), the window's last day and whether
-- the index child's follow-up covers it.
CREATE OR REPLACE TEMP VIEW study_family_windows AS
SELECT f.*, w.window_days::INTEGER AS window_days, f.index_date + w.window_days::INTEGER AS window_end,
       f.fu_date >= f.index_date + w.window_days::INTEGER AS complete
FROM study_family_index f JOIN safety_windows w USING (person_id, index_no);
