-- The benchmark columns of every row (docs/definitions.md §5.12) of the table {{rows}} (with the
-- study-table columns; the export passes its published rows, so a figure
-- that is not published is no benchmark): the headline figure (percentage, or rate per 1,000
-- for rate outcomes) of the top row (national or the cohort's total), of the youth region, of
-- the municipality (district rows), of the group of comparable municipalities (municipality
-- rows) and of the same region in the previous period, each with its flag
-- (benchmark_macros.sql). Rows are matched within their table, cohort, outcome, variant,
-- window, split and category.
--
-- Written to `row_benchmarks` by the table's `rowid` (benchmarked.sql joins them to the rows). The
-- joins work on a narrow copy of the table (`row_benchmark_keys`: the row's id, key and figures;
-- the full rows, carried through five joins of millions of rows, spilled gigabytes at the default
-- memory limit), with the seven columns that name a figure within a period numbered once (`k`; a
-- NULL in any of them matches nothing, as the seven equalities it replaces). Each step is a
-- statement of its own, so that DuckDB can spill each table it makes.
CREATE OR REPLACE TEMP TABLE row_benchmark_keys AS
WITH k AS (
    SELECT row_number() OVER () AS g_, *
    FROM (SELECT DISTINCT table_name, cohort, outcome, variant, coalesce(window_days, -1) AS w_, split, split_value
          FROM {{rows}})
)
SELECT r.rowid AS id_, k.g_, r.period, study_previous(r.period) AS prev_, r.region_level, r.region,
       r.youth_region_of, r.municipality_of, r.group_of, r.count,
       CASE WHEN r.population IS NULL THEN r.percentage ELSE r.rate_per_1000 END AS figure_,
       CASE WHEN r.population IS NULL THEN r.denominator ELSE r.population END AS n_
FROM {{rows}} r
LEFT JOIN k ON k.table_name = r.table_name AND k.cohort = r.cohort AND k.outcome = r.outcome
 AND k.variant = r.variant AND k.w_ = coalesce(r.window_days, -1) AND k.split = r.split AND k.split_value = r.split_value;
CREATE OR REPLACE TEMP TABLE row_benchmarks AS
SELECT t.id_,
       nat.figure_ AS bench_national, study_vs_part(t.count, t.n_, nat.count, nat.n_) AS vs_national,
       yr.figure_ AS bench_youth_region, study_vs_part(t.count, t.n_, yr.count, yr.n_) AS vs_youth_region,
       mu.figure_ AS bench_municipality, study_vs_part(t.count, t.n_, mu.count, mu.n_) AS vs_municipality,
       gr.figure_ AS bench_group, study_vs_part(t.count, t.n_, gr.count, gr.n_) AS vs_group,
       pr.figure_ AS bench_previous, study_z_flag(t.count, t.n_, pr.count, pr.n_) AS vs_previous
FROM row_benchmark_keys t
LEFT JOIN row_benchmark_keys nat
  ON nat.region_level IN ('national', 'cohort') AND t.region_level NOT IN ('national', 'cohort')
 AND nat.g_ = t.g_ AND nat.period = t.period
LEFT JOIN row_benchmark_keys yr
  ON yr.region_level = 'youth_region' AND yr.region = t.youth_region_of AND yr.g_ = t.g_ AND yr.period = t.period
LEFT JOIN row_benchmark_keys mu
  ON mu.region_level = 'municipality' AND mu.region = t.municipality_of AND mu.g_ = t.g_ AND mu.period = t.period
LEFT JOIN row_benchmark_keys gr
  ON gr.region_level = 'municipality_group' AND gr.region = t.group_of AND gr.g_ = t.g_ AND gr.period = t.period
LEFT JOIN row_benchmark_keys pr
  ON pr.region_level = t.region_level AND pr.region = t.region AND pr.period = t.prev_ AND pr.g_ = t.g_;
DROP TABLE row_benchmark_keys;
