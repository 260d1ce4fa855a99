-- Figures for the report: members, members with at least one period, panel rows of them,
-- members with several index events.
SELECT (SELECT count(*) FROM panel_cohort)::BIGINT,
       (SELECT count(*) FROM panel_people)::BIGINT,
       (SELECT coalesce(sum(panel_pnum(f_end, s.months) - panel_pnum(f_start, s.months) + 1), 0) FROM panel_people, panel_settings s)::BIGINT,
       (SELECT count(*) FROM panel_cohort WHERE indexes > 1)::BIGINT
