-- Per-period facts of the published persons, each over the row's interval: the period clipped
-- to the person's follow-up [f_start, f_end]. A record is active from start to end, both days
-- included; an open one stays active. A record touching the interval is spread over the periods
-- it overlaps (intervals on a line that meet pairwise share a point, so clipping the record to
-- the follow-up first and then to the period is exact).
-- - panel_care: highest ladder level of the episodes active on any day (care forms missing from
--   the ladder count 0), and whether an episode starts in the interval;
-- - panel_measure: the measure kind active on any day, by priority guardianship >
--   provisional_guardianship > ots > provisional_ots > youth_probation;
-- - panel_safety: safety reports dated in the interval.
-- Each table is keyed by the person's rank (panel_ids; the output order) and period, and stored
-- in rank order, so that rows.sql reads one range of ranks at a time cheaply. Only fixed-size
-- aggregate states (max, min, count): they spill when the panel outgrows the memory limit.
CREATE OR REPLACE TEMP TABLE panel_care AS
WITH s AS (SELECT * FROM panel_settings),
clip AS (
    SELECT i.rank, coalesce(l.level, 0) AS level, e.start_date,
           panel_pnum(greatest(e.start_date, p.f_start), s.months) AS p0,
           panel_pnum(least(coalesce(e.end_date, DATE '9999-12-31'), p.f_end), s.months) AS p1,
           CASE WHEN e.start_date >= p.f_start THEN panel_pnum(e.start_date, s.months) END AS p_start
    FROM care_episodes e
    JOIN panel_people p ON p.person_id = e.person_id
    JOIN panel_ids i ON i.person_id = e.person_id
    LEFT JOIN panel_ladder l ON l.care_form = e.care_form, s
    WHERE e.start_date <= p.f_end AND coalesce(e.end_date, DATE '9999-12-31') >= p.f_start
),
spread AS (SELECT rank, level, p_start, unnest(range(p0, p1 + 1)) AS pnum FROM clip)
SELECT rank, pnum, max(level)::INTEGER AS care_level, max((p_start = pnum)::INTEGER)::INTEGER AS care_start
FROM spread GROUP BY rank, pnum ORDER BY rank, pnum;

CREATE OR REPLACE TEMP TABLE panel_measure AS
WITH s AS (SELECT * FROM panel_settings),
clip AS (
    SELECT i.rank,
           CASE e.kind WHEN 'guardianship' THEN 1 WHEN 'provisional_guardianship' THEN 2 WHEN 'ots' THEN 3
                       WHEN 'provisional_ots' THEN 4 WHEN 'youth_probation' THEN 5 ELSE 6 END AS priority,
           panel_pnum(greatest(e.start_date, p.f_start), s.months) AS p0,
           panel_pnum(least(coalesce(e.end_date, DATE '9999-12-31'), p.f_end), s.months) AS p1
    FROM measures e
    JOIN panel_people p ON p.person_id = e.person_id
    JOIN panel_ids i ON i.person_id = e.person_id, s
    WHERE e.start_date <= p.f_end AND coalesce(e.end_date, DATE '9999-12-31') >= p.f_start
),
spread AS (SELECT rank, priority, unnest(range(p0, p1 + 1)) AS pnum FROM clip),
best AS (SELECT rank, pnum, min(priority) AS priority FROM spread GROUP BY rank, pnum)
SELECT rank, pnum,
       CASE priority WHEN 1 THEN 'guardianship' WHEN 2 THEN 'provisional_guardianship' WHEN 3 THEN 'ots'
                     WHEN 4 THEN 'provisional_ots' WHEN 5 THEN 'youth_probation' END AS measure
FROM best WHERE priority < 6 ORDER BY rank, pnum;

CREATE OR REPLACE TEMP TABLE panel_safety AS
WITH s AS (SELECT * FROM panel_settings)
SELECT i.rank, panel_pnum(r.report_date, s.months) AS pnum, count(*)::INTEGER AS safety_report
FROM safety_reports r
JOIN panel_people p ON p.person_id = r.person_id
JOIN panel_ids i ON i.person_id = r.person_id, s
WHERE r.report_date BETWEEN p.f_start AND p.f_end
GROUP BY ALL ORDER BY i.rank, pnum;
