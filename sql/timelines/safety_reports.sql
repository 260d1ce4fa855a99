-- Safety reports of one bucket, in timeline order. params: bucket
SELECT person_id, report_id, household_id, report_date, kind
FROM safety_reports
WHERE bucket = ?
ORDER BY person_id, report_date, report_id;
