-- The birth window of every record at both birth levels (0 = the birth year, 1 = its 5-year
-- band; level 0 only counts when birth_year is not a quasi-identifier): no published column may
-- narrow the published birth years [ylo, yhi] (data-schema/panel.md, "Birth-derived dates").
-- A follow-up day d satisfies birth + index_after years <= d <= birth + exit age, so a row of
-- period p says birth <= end(p) - index_after and birth >= start(p) - exit age. Rows are kept
-- only in the periods where that holds for every birth date in the range:
-- - q0 = the first period, no earlier than the one holding 31 December (yhi + index_after);
-- - q1 = the last period, no later than the one holding 1 January (ylo + exit age).
-- A record is `bad` (not publishable at that level) when the window leaves no period, when its
-- first row is its index period (after both the window start and `from`) and starts after
-- 1 January (ylo + index_within) (the age rule at the index would then narrow the birth), or when
-- the cohort's entry bounds alone narrow the range. A birth year missing: no window, never bad.
CREATE OR REPLACE TEMP TABLE panel_window AS
WITH s AS (SELECT * FROM panel_settings),
lv AS (
    SELECT p.person_id, l.level,
           CASE WHEN l.level = 0 OR NOT s.qi_birth THEN p.birth_year ELSE p.birth_year // 5 * 5 END AS ylo,
           CASE WHEN l.level = 0 OR NOT s.qi_birth THEN p.birth_year ELSE p.birth_year // 5 * 5 + 4 END AS yhi,
           panel_pnum(p.f_start, s.months) AS p0, panel_pnum(p.f_end, s.months) AS p1,
           panel_pnum(s.from_date, s.months) AS pfrom
    FROM panel_people p, s, (VALUES (0), (1)) l(level)
),
w AS (
    SELECT lv.*,
           greatest(p0, coalesce(panel_pnum(make_date(yhi + s.index_after, 12, 31), s.months), p0)) AS q0,
           least(p1, coalesce(panel_pnum(make_date(ylo + s.exit_age, 1, 1), s.months), p1)) AS q1,
           coalesce(panel_pnum(make_date(yhi + s.index_after, 12, 31), s.months), p0) AS wfirst
    FROM lv, s
)
SELECT w.person_id, w.level, w.ylo, w.yhi, w.q0, w.q1,
       w.ylo IS NOT NULL AND (
           w.q0 > w.q1
           OR (w.q0 = w.p0 AND w.p0 > w.wfirst AND w.p0 > w.pfrom
               AND panel_pstart(w.p0, s.months) > make_date(w.ylo + s.index_within, 1, 1))
           OR year(s.entry_to) * 12 + month(s.entry_to) - 1 - 12 * s.index_after < w.yhi * 12 + 11
           OR year(s.entry_from) * 12 + month(s.entry_from) - 1 - 12 * s.index_within > w.ylo * 12
       ) AS bad
FROM w, s;
