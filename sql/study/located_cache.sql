-- Where the changed persons lived on their cached index dates, for those whose residence rows
-- did not change: a location depends on nothing else (the youth-region mapping is fixed per
-- kohort version). The members with an index date not in it are the ones whose residence is
-- read.
CREATE OR REPLACE TEMP TABLE study_located_cache AS
SELECT DISTINCT person_id, index_date, municipality, youth_region
FROM study_index_old
WHERE person_id NOT IN (SELECT person_id FROM study_relocated);
CREATE OR REPLACE TEMP TABLE study_relocate AS
SELECT DISTINCT m.person_id FROM study_members m
WHERE NOT EXISTS (SELECT 1 FROM study_located_cache c WHERE c.person_id = m.person_id AND c.index_date = m.index_date);
