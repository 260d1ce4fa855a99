-- Inputs of a panel export, filled by kohort: the parameters (one row), the care ladder and the
-- youth-region reference data. Every later panel statement reads its parameters from here.
CREATE OR REPLACE TEMP TABLE panel_settings (
    months INTEGER,             -- 12 (person-year) or 3 (person-quarter)
    date_precision VARCHAR,     -- month, quarter or year
    from_date DATE,             -- panel bound, inclusive (0001-01-01 when none)
    to_date DATE,               -- panel bound, inclusive (9999-12-31 when none)
    exit_age INTEGER,           -- the cohort's exit age
    k INTEGER,                  -- minimum class size
    clusters BOOLEAN,           -- classes also need k household clusters
    qi_sex BOOLEAN,             -- which quasi-identifiers are checked
    qi_birth BOOLEAN,
    qi_geo BOOLEAN,
    index_after INTEGER,        -- years the index is at least after the birth date (age_min; 0)
    index_within INTEGER,       -- years the index is at most after it (age_max + 1 capped at the
                                -- exit age; the exit age without age_max; 0 for entry birth)
    entry_from DATE,            -- the cohort's entry bounds on the index date (0001-01-01 /
    entry_to DATE               -- 9999-12-31 when none)
);
CREATE OR REPLACE TEMP TABLE panel_ladder (care_form VARCHAR, level INTEGER);
CREATE OR REPLACE TEMP TABLE panel_regions (municipality VARCHAR, youth_region VARCHAR, from_year INTEGER, to_year INTEGER);
-- Export ids of the published persons, filled by kohort (HMAC under the export key), with the
-- rank of the person id (the output order).
CREATE OR REPLACE TEMP TABLE panel_ids (person_id VARCHAR, person VARCHAR, household VARCHAR, rank BIGINT);
-- The period number of a date: months since year 0 divided by the period length.
CREATE OR REPLACE TEMP MACRO panel_pnum(d, m) AS (year(d) * 12 + month(d) - 1) // m;
-- A published date at the chosen precision.
CREATE OR REPLACE TEMP MACRO panel_coarse(d, p) AS CASE p
    WHEN 'month' THEN strftime(d, '%Y-%m')
    WHEN 'quarter' THEN year(d)::VARCHAR || 'Q' || quarter(d)::VARCHAR
    ELSE year(d)::VARCHAR END;
-- The first day of period number p (inverse of panel_pnum).
CREATE OR REPLACE TEMP MACRO panel_pstart(p, m) AS make_date(((p * m) // 12)::INTEGER, ((p * m) % 12 + 1)::INTEGER, 1);
-- A published year range: '2018' when a = b, else '2018-2020'.
CREATE OR REPLACE TEMP MACRO panel_years(a, b) AS CASE WHEN a = b THEN a::VARCHAR ELSE a::VARCHAR || '-' || b::VARCHAR END;
-- docs/definitions.md §5.3 age bands: the band of an age, and the label of a range of ages (the union of the
-- bands it touches, e.g. ages 10-14 -> '4-17').
CREATE OR REPLACE TEMP MACRO panel_band_lo(a) AS CASE WHEN a <= 3 THEN 0 WHEN a <= 11 THEN 4 WHEN a <= 17 THEN 12 WHEN a <= 22 THEN 18 ELSE 23 END;
CREATE OR REPLACE TEMP MACRO panel_band_hi(a) AS CASE WHEN a <= 3 THEN 3 WHEN a <= 11 THEN 11 WHEN a <= 17 THEN 17 WHEN a <= 22 THEN 22 ELSE NULL END;
CREATE OR REPLACE TEMP MACRO panel_band(lo, hi) AS
    CASE WHEN panel_band_hi(hi) IS NULL THEN panel_band_lo(lo)::VARCHAR || '+'
         ELSE panel_band_lo(lo)::VARCHAR || '-' || panel_band_hi(hi)::VARCHAR END;
