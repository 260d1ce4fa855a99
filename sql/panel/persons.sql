-- The published persons with every person-level value a row needs, stored in the output order
-- (rank of the export id), so that rows.sql reads one range of ranks without a join over all
-- persons. Person-level values are the published (possibly generalised) ones; by_lo and by_hi
-- the birth years the published birth year allows; p0 and p1 the first and last published
-- period: the follow-up inside the panel bounds and the birth window (birth_window.sql); f0 and
-- f1 the follow-up's own first and last period.
-- Dates, at the panel's precision unless that would narrow [by_lo, by_hi] (data-schema/panel.md,
-- "Birth-derived dates"; every rule depends on the published values and the year only, so
-- whether a date was coarsened says nothing more):
-- - index_label: birth + index_after <= index <= birth + index_within, so an index in a year
--   <= by_hi + index_after or >= by_lo + index_within is published as the year range
--   [least(year, by_lo + index_within), greatest(year, by_hi + index_after)] ('2015', '2012-2014');
-- - exit_label: an exit on or after 1 January (by_lo + exit age) may be the birthday at the exit
--   age, so it is published as the years of those birthdays ('2026', '2023-2027');
-- - reason_label: when the data end falls in those years, `age_limit` (birthday <= data end)
--   and `data_end` (birthday >= data end) would split the birth years: both are published as
--   `age_limit_or_data_end`.
CREATE OR REPLACE TEMP TABLE panel_person AS
WITH s AS (SELECT * FROM panel_settings),
b AS (
    SELECT i.rank, i.person, i.household, q.q_sex, q.q_birth, q.q_geo, q.geo_level,
           p.youth_region, p.index_date, p.exit_date, p.exit_reason, p.data_end,
           w.ylo, w.yhi, w.q0, w.q1, year(p.index_date) AS yi,
           panel_pnum(p.f_start, s.months) AS f0, panel_pnum(p.f_end, s.months) AS f1,
           make_date(w.ylo + s.exit_age, 1, 1) AS w_start, make_date(w.yhi + s.exit_age, 12, 31) AS w_end
    FROM panel_ids i JOIN panel_qi q USING (person_id) JOIN panel_people p USING (person_id)
    JOIN panel_window w ON w.person_id = q.person_id AND w.level = q.birth_level, s
)
SELECT b.rank, b.person, b.household, b.q_sex, b.q_birth, b.q_geo, b.geo_level, b.youth_region,
       CASE WHEN b.ylo IS NULL OR (b.yi > b.yhi + s.index_after AND b.yi < b.ylo + s.index_within)
            THEN panel_coarse(b.index_date, s.date_precision)
            ELSE panel_years(least(b.yi, b.ylo + s.index_within), greatest(b.yi, b.yhi + s.index_after)) END AS index_label,
       CASE WHEN b.exit_date >= b.w_start THEN panel_years(b.ylo + s.exit_age, b.yhi + s.exit_age)
            ELSE panel_coarse(b.exit_date, s.date_precision) END AS exit_label,
       CASE WHEN b.exit_reason IN ('age_limit', 'data_end') AND b.data_end BETWEEN b.w_start AND b.w_end
            THEN 'age_limit_or_data_end' ELSE b.exit_reason END AS reason_label,
       b.q0 AS p0, b.q1 AS p1, b.f0, b.f1, b.ylo AS by_lo, b.yhi AS by_hi,
       index_label IS DISTINCT FROM panel_coarse(b.index_date, s.date_precision) AS index_coarsened,
       exit_label IS DISTINCT FROM panel_coarse(b.exit_date, s.date_precision) AS exit_coarsened,
       reason_label <> b.exit_reason AS reason_merged
FROM b, s
ORDER BY b.rank;
