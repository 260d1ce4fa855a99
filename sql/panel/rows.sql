-- Every variable of the catalogue, one row per published person x period of their follow-up
-- inside the panel bounds, for the persons whose rank (of the export id; the output order) is in
-- [$1, $2), in the output order: by rank, then period. kohort runs this for consecutive rank
-- ranges and streams each result into panel.parquet, so no operator ever holds the whole panel:
-- the per-period facts (events.sql, stored in rank order) are joined by (rank, period), and the
-- sort is over one range only. Person-level values come from panel_person (persons.sql);
-- derived values follow them:
-- - age = period year - birth year (completed years on 31 December of the period's year); with a
--   birth-year band, the range of ages the band allows (floored at 0);
-- - age_band = the docs/definitions.md §5.3 band(s) of those ages;
-- - youth_region = the region of the published municipality (itself when already a region, NL
--   when NL);
-- - index_date, exit_date, exit_reason = the labels of persons.sql (coarsened where a finer date
--   would narrow the published birth year).
-- Only the periods p0..p1 of panel_person (follow-up inside the bounds and the birth window).
-- {{columns}} are catalogue names chosen by kohort (never user text).
WITH s AS (SELECT * FROM panel_settings),
person AS (SELECT * FROM panel_person, s WHERE rank >= $1 AND rank < $2),
periods AS (SELECT *, unnest(range(p0, p1 + 1)) AS pnum FROM person),
r AS (
    SELECT *, (pnum * months) // 12 AS year, ((pnum * months) % 12) // 3 + 1 AS quarter,
           greatest(0, (pnum * months) // 12 - by_hi) AS age_lo, greatest(0, (pnum * months) // 12 - by_lo) AS age_hi
    FROM periods
),
care AS (SELECT * FROM panel_care WHERE rank >= $1 AND rank < $2),
meas AS (SELECT * FROM panel_measure WHERE rank >= $1 AND rank < $2),
safe AS (SELECT * FROM panel_safety WHERE rank >= $1 AND rank < $2),
out AS (
    SELECT r.rank, r.pnum, r.person, r.household, r.year::INTEGER AS year, r.quarter::INTEGER AS quarter,
           r.q_sex AS sex,
           r.q_birth AS birth_year,
           CASE WHEN r.age_lo = r.age_hi THEN r.age_lo::VARCHAR ELSE r.age_lo::VARCHAR || '-' || r.age_hi::VARCHAR END AS age,
           panel_band(r.age_lo, r.age_hi) AS age_band,
           r.q_geo AS municipality,
           CASE WHEN r.geo_level = 0 THEN r.youth_region ELSE r.q_geo END AS youth_region,
           coalesce(c.care_level, 0) AS care_level,
           coalesce(m.measure, 'none') AS measure,
           coalesce(c.care_start, 0) AS care_start,
           coalesce(f.safety_report, 0) AS safety_report,
           r.index_label AS index_date,
           r.exit_label AS exit_date,
           r.reason_label AS exit_reason
    FROM r
    LEFT JOIN care c ON c.rank = r.rank AND c.pnum = r.pnum
    LEFT JOIN meas m ON m.rank = r.rank AND m.pnum = r.pnum
    LEFT JOIN safe f ON f.rank = r.rank AND f.pnum = r.pnum
)
SELECT {{columns}} FROM out ORDER BY rank, pnum;
