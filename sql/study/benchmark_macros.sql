-- The test behind the benchmark flags (docs/definitions.md §5.12): a two-sided two-proportion
-- z-test with pooled variance at the 5% level (|z| >= 1.959964). A region is compared with the
-- rest of the area it lies in (the area minus the region, so the two are disjoint); a period
-- with the previous one. `higher` / `lower` when the difference is beyond chance, `similar`
-- otherwise; NULL when a side has no figure or no units, or the rest is not a proper part.
CREATE OR REPLACE TEMP MACRO study_z_flag(c1, n1, c2, n2) AS
    CASE WHEN c1 IS NULL OR n1 IS NULL OR c2 IS NULL OR n2 IS NULL OR n1 <= 0 OR n2 <= 0
              OR c1 < 0 OR c2 < 0 OR c1 > n1 OR c2 > n2 THEN NULL
         WHEN c1 + c2 = 0 OR c1 + c2 = n1 + n2 THEN 'similar'
         WHEN abs(c1 / n1::DOUBLE - c2 / n2::DOUBLE)
              / sqrt((c1 + c2) / (n1 + n2)::DOUBLE * (1 - (c1 + c2) / (n1 + n2)::DOUBLE) * (1 / n1::DOUBLE + 1 / n2::DOUBLE))
              < 1.959963984540054 THEN 'similar'
         WHEN c1 / n1::DOUBLE > c2 / n2::DOUBLE THEN 'higher'
         ELSE 'lower' END;
-- A region (c1 of n1) against the rest of its area (c of n in all).
CREATE OR REPLACE TEMP MACRO study_vs_part(c1, n1, c, n) AS study_z_flag(c1, n1, c - c1, n - n1);
-- The period before a period (`2021` -> `2020`, `2021Q1` -> `2020Q4`); none before `all`.
CREATE OR REPLACE TEMP MACRO study_previous(p) AS
    CASE WHEN p = 'all' THEN NULL
         WHEN p LIKE '____Q1' THEN (left(p, 4)::INTEGER - 1) || 'Q4'
         WHEN p LIKE '____Q_' THEN left(p, 5) || (right(p, 1)::INTEGER - 1)
         ELSE (p::INTEGER - 1)::VARCHAR END;
