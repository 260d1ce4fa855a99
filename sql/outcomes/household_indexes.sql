-- The report indexes the household view of an incremental run reads (docs/definitions.md
-- §4.8.2): those of household_safety (every staged safety row in a run that merges, the
-- recomputed children's in one writing deltas: household_safety*.sql; a run computing every
-- bucket takes the same rows from its safety batches, src/results/household.rs). The rule is
-- kohort's (src/outcomes/household.rs).
SELECT person_id, index_no, report_id, index_date, fu_date, same_incident_days
FROM household_safety
WHERE index_kind = 'report'
