-- The store's reports that name a household: the index's household is the one on the child's
-- own report row, and every other report of that household may be a re-report (§4.8.2).
SELECT person_id, report_id, household_id, report_date
FROM safety_reports
WHERE household_id IS NOT NULL
