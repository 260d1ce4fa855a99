-- Groups of comparable municipalities per period (docs/definitions.md §5.12): a municipality
-- named in the study file is in its named group; every other one in the size class of its
-- residents aged 0-17 on 1 January of the period's year (of the class year for period `all`);
-- a municipality without population rows that year, and `unknown`, in group `unknown`.
CREATE OR REPLACE TEMP TABLE study_groups AS
WITH periods AS (
    SELECT DISTINCT period FROM study_atoms
    UNION SELECT DISTINCT period FROM study_rate_atoms
    UNION SELECT DISTINCT period FROM study_km_atoms
    UNION SELECT period FROM study_periods
),
py AS (
    SELECT period, CASE WHEN period = 'all' THEN (SELECT class_year FROM study_settings) ELSE left(period, 4)::INTEGER END AS year
    FROM periods
),
munis AS (
    SELECT DISTINCT municipality FROM study_atoms
    UNION SELECT DISTINCT municipality FROM study_rate_atoms
    UNION SELECT DISTINCT municipality FROM study_km_atoms
    UNION SELECT DISTINCT municipality FROM study_population
),
youth AS (
    SELECT year, municipality, sum(count)::BIGINT AS n FROM study_population WHERE age BETWEEN 0 AND 17 GROUP BY ALL
)
SELECT m.municipality, py.period,
       CASE WHEN m.municipality = 'unknown' THEN 'unknown'
            WHEN o.grp IS NOT NULL THEN o.grp
            WHEN y.n IS NULL THEN 'unknown'
            ELSE (SELECT c.grp FROM study_size_classes c
                  WHERE y.n >= c.lower_bound AND (c.upper_bound IS NULL OR y.n < c.upper_bound)) END AS grp
FROM munis m CROSS JOIN py
LEFT JOIN youth y ON y.municipality = m.municipality AND y.year = py.year
LEFT JOIN study_group_members o ON o.municipality = m.municipality;
