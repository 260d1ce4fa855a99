-- Records the last recoding step touched ($1 = the step), and their panel rows.
SELECT count(*)::BIGINT,
       coalesce(sum(panel_pnum(p.f_end, s.months) - panel_pnum(p.f_start, s.months) + 1), 0)::BIGINT
FROM panel_qi q JOIN panel_people p USING (person_id), panel_settings s
WHERE q.hit_step = $1;
