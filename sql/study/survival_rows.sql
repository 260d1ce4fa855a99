-- Time to re-entry of each re-entry index of the study-index rows, with its region (NL,
-- municipality and youth region at the index, as in the tables): event = a re-entry (cause 1);
-- everything else is censored at its time (the engine's reentry_km reading). Dropped indexes
-- are not at risk.
CREATE OR REPLACE TEMP TABLE study_survival_rows AS
WITH idx AS (
    SELECT DISTINCT cohort, person_id, index_date, municipality, youth_region
    FROM study_index WHERE outcome = 'reentry'
)
SELECT i.cohort, i.person_id, i.index_date, i.municipality, i.youth_region, r.time_days, r.cause = 1 AS event
FROM idx i
JOIN spells s ON s.person_id = i.person_id AND s.start = i.index_date
JOIN reentry r ON r.person_id = s.person_id AND r.spell_no = s.spell_no
WHERE NOT r.dropped;
