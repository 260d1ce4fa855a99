-- Records withheld after the recoding: not suppressed, but their other columns would narrow the
-- published birth year at their final level, or leave no period in the birth window
-- (birth_window.sql); and their panel rows.
SELECT count(*)::BIGINT,
       coalesce(sum(panel_pnum(p.f_end, s.months) - panel_pnum(p.f_start, s.months) + 1), 0)::BIGINT
FROM panel_qi q JOIN panel_people p USING (person_id), panel_settings s
WHERE NOT q.suppressed AND q.bad;
