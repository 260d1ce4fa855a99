-- Safety reports of one bucket, unordered (sorted per person in Rust). params: bucket
SELECT person_id, report_id, household_id, report_date, kind
FROM safety_reports
WHERE bucket = ?;
