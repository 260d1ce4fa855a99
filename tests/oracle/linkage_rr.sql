-- Reference risk ratio (docs/definitions.md §4.13.3) over the rows of g2_reference.sql, made a view `g2`:
-- included = outcome seen or followed to 18; a/n1 exposed, c/n0 unexposed;
-- SE = sqrt(1/a - 1/n1 + 1/c - 1/n0), 95% CI exp(ln RR -/+ 1.959964 SE).
WITH inc AS (
    SELECT exposed, outcome_date IS NOT NULL AS outcome
    FROM g2 WHERE outcome_date IS NOT NULL OR followed_to_18
),
k AS (
    SELECT count(*) FILTER (exposed AND outcome) AS a, count(*) FILTER (exposed) AS n1,
           count(*) FILTER (NOT exposed AND outcome) AS c, count(*) FILTER (NOT exposed) AS n0
    FROM inc
)
SELECT a, n1, c, n0, (a / n1) / (c / n0) AS risk_ratio,
       exp(ln((a / n1) / (c / n0)) - 1.959964 * sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)) AS lower95,
       exp(ln((a / n1) / (c / n0)) + 1.959964 * sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)) AS upper95
FROM k;
