-- Entry safety_report: every safety report's date.
SELECT person_id, report_date AS index_date FROM safety_reports
