-- How many changed members the cache cannot place, and how many it has no care form for.
SELECT (SELECT count(*) FROM study_relocate), (SELECT count(*) FROM study_recare)
