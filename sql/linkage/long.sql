-- linkage_g2 in long form: one row per child and outcome variant (care, measure, out_of_home),
-- with what the risk, resilience, chain and curve tables use: included (followed to A or with
-- the outcome), age in days at the outcome or the follow-up end, and the cause (1 outcome, 2
-- death or emigration before A, 0 censored). Reads linkage_g2_scope: the run's G2 rows, or those of
-- a cohort (scope_*.sql).
CREATE OR REPLACE TEMP VIEW linkage_g2_long AS
SELECT *,
       followed_to_a OR outcome_date IS NOT NULL AS included,
       (coalesce(outcome_date, fu_date) - birth_date)::BIGINT AS time_days,
       CASE WHEN outcome_date IS NOT NULL THEN 1
            WHEN fu_reason IN ('death', 'emigration') AND NOT followed_to_a THEN 2
            ELSE 0 END AS cause
FROM (
    SELECT g.relation_kind, o.outcome, g.child_id, g.sex, g.birth_date, g.n_g1_parents, g.exposed,
           g.exposed_mother, g.exposed_father, g.exposed_both, g.exposed_heavy, g.fu_date, g.fu_reason,
           g.followed_to_a,
           CASE o.outcome WHEN 'care' THEN g.care_date WHEN 'measure' THEN g.measure_date
                          ELSE g.out_of_home_date END AS outcome_date
    FROM linkage_g2_scope g
    CROSS JOIN (VALUES ('care'), ('measure'), ('out_of_home')) o(outcome)
);
