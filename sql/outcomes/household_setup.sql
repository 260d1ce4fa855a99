-- The persons changed since the previous run, for the household view (filled by kohort).
CREATE OR REPLACE TEMP TABLE household_changed (person_id VARCHAR);
