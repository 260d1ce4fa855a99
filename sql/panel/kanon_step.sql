-- k-anonymity, one local-recoding step ($1 = step 1..4), applied only to the records of classes
-- that are too small: fewer than k persons, or (with clusters) fewer than k household clusters.
-- Step 1: municipality -> youth region; 2: birth year -> 5-year band; 3: region -> NL;
-- 4: suppress. Suppressed and bad records (kanon_init.sql) count in no class and are not
-- touched. hit_step marks the records this step touched (kanon_hits.sql counts them).
CREATE OR REPLACE TEMP TABLE panel_qi AS
WITH s AS (SELECT * FROM panel_settings),
small AS (
    SELECT q_sex, q_birth, q_geo, true AS hit
    FROM panel_qi, s WHERE NOT suppressed AND NOT bad
    GROUP BY q_sex, q_birth, q_geo, s.k, s.clusters
    HAVING count(*) < s.k OR (s.clusters AND count(DISTINCT cluster) < s.k)
),
next AS (
    SELECT q.person_id, q.cluster, q.q_sex,
           CASE WHEN m.hit AND $1 = 2 THEN q.band ELSE q.q_birth END AS q_birth,
           CASE WHEN m.hit AND $1 = 1 THEN q.youth_region WHEN m.hit AND $1 = 3 THEN 'NL' ELSE q.q_geo END AS q_geo,
           q.youth_region, q.band,
           CASE WHEN m.hit AND $1 IN (1, 3) THEN q.geo_level + 1 ELSE q.geo_level END AS geo_level,
           CASE WHEN m.hit AND $1 = 2 THEN 1 ELSE q.birth_level END AS birth_level,
           q.suppressed OR coalesce(m.hit AND $1 = 4, false) AS suppressed,
           CASE WHEN m.hit THEN $1 ELSE 0 END AS hit_step,
           q.bad0, q.bad1
    FROM panel_qi q
    LEFT JOIN small m ON NOT q.suppressed AND NOT q.bad
         AND m.q_sex = q.q_sex AND m.q_birth = q.q_birth AND m.q_geo = q.q_geo
)
SELECT *, CASE WHEN birth_level = 0 THEN bad0 ELSE bad1 END AS bad FROM next;
