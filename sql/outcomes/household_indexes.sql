-- The report indexes the household view reads (docs/definitions.md §4.8.2): those of
-- household_safety (every safety row in a full run, the recomputed children's in an incremental
-- one: household_safety*.sql). Computed by kohort (src/outcomes/household.rs).
SELECT person_id, index_no, report_id, index_date, fu_date, same_incident_days
FROM household_safety
WHERE index_kind = 'report'
