-- One row per published person for the disclosure-risk figures: the published quasi-identifier
-- values (the class), the export household id, the number of published rows, and a person-level
-- summary of each sensitive per-period variable over the published rows (p0..p1):
-- care_level = the highest level; care_start = 1 when any row has a care start; measure = the
-- most restrictive measure (1 guardianship .. 5 youth_probation, 6 none); safety_report = 1 when
-- any row has a safety report.
CREATE OR REPLACE TEMP TABLE panel_risk AS
WITH care AS (
    SELECT c.rank, max(c.care_level) AS care_level, max(c.care_start) AS care_start
    FROM panel_care c JOIN panel_person p ON p.rank = c.rank AND c.pnum BETWEEN p.p0 AND p.p1
    GROUP BY c.rank
),
meas AS (
    SELECT m.rank,
           min(CASE m.measure WHEN 'guardianship' THEN 1 WHEN 'provisional_guardianship' THEN 2 WHEN 'ots' THEN 3
                              WHEN 'provisional_ots' THEN 4 WHEN 'youth_probation' THEN 5 ELSE 6 END) AS measure
    FROM panel_measure m JOIN panel_person p ON p.rank = m.rank AND m.pnum BETWEEN p.p0 AND p.p1
    GROUP BY m.rank
),
safe AS (
    SELECT f.rank, max((f.safety_report > 0)::INTEGER) AS safety_report
    FROM panel_safety f JOIN panel_person p ON p.rank = f.rank AND f.pnum BETWEEN p.p0 AND p.p1
    GROUP BY f.rank
)
SELECT p.rank, p.household, p.q_sex, p.q_birth, p.q_geo, p.p1 - p.p0 + 1 AS rows,
       coalesce(c.care_level, 0) AS care_level, coalesce(c.care_start, 0) AS care_start,
       coalesce(m.measure, 6) AS measure, coalesce(f.safety_report, 0) AS safety_report
FROM panel_person p
LEFT JOIN care c USING (rank) LEFT JOIN meas m USING (rank) LEFT JOIN safe f USING (rank);
