-- What an incremental study run takes from its cache for the changed members: where they
-- lived on their cached index dates, for those whose residence rows did not change, and the
-- care form of their cached index spells, for those whose care episodes did not change. A
-- location depends on nothing else (the youth-region mapping is fixed per kohort version);
-- the spells, and so their first episodes, follow from the care episodes alone; every index
-- row's spell starts on its index date. The members with an index date not in a cache are
-- the ones whose residence or care episodes are read.
CREATE OR REPLACE TEMP TABLE study_located_cache AS
SELECT DISTINCT person_id, index_date, municipality, youth_region
FROM study_index_old
WHERE person_id NOT IN (SELECT person_id FROM study_relocated);
CREATE OR REPLACE TEMP TABLE study_relocate AS
SELECT DISTINCT m.person_id FROM study_members m
WHERE NOT EXISTS (SELECT 1 FROM study_located_cache c WHERE c.person_id = m.person_id AND c.index_date = m.index_date);
CREATE OR REPLACE TEMP TABLE study_form_cache AS
SELECT DISTINCT person_id, index_date, care_form
FROM study_index_old
WHERE person_id NOT IN (SELECT person_id FROM study_recared);
CREATE OR REPLACE TEMP TABLE study_recare AS
SELECT DISTINCT m.person_id FROM study_members m
WHERE NOT EXISTS (SELECT 1 FROM study_form_cache c WHERE c.person_id = m.person_id AND c.index_date = m.index_date);
