-- Risk of the G2 outcome by age A, exposed vs unexposed, per relation kind, outcome variant,
-- exposure definition and child sex (`all`, then each sex). Exposed = the definition holds;
-- unexposed = no linked parent is G1 (the same reference group for every definition). Counted
-- among children followed to A or with the outcome (`included`; docs/definitions.md §4.13.3: upward-biased for
-- young cohorts, so the headline is the cumulative incidence curve); children not yet followed
-- are counted, not dropped. Risk ratio with a log-scale CI, SE = sqrt(1/a - 1/n1 + 1/c - 1/n0).
-- The *_followed columns repeat it among children followed to A only (complete follow-up: no
-- bias from young cohorts, fewer children).
-- params: $1 normal quantile (1.96)
WITH d AS (
    SELECT g.*, e.exposure,
           CASE e.exposure WHEN 'either' THEN exposed WHEN 'mother' THEN exposed_mother
                           WHEN 'father' THEN exposed_father WHEN 'both' THEN exposed_both
                           ELSE exposed_heavy END AS is_exposed
    FROM linkage_g2_long g
    CROSS JOIN (VALUES ('either'), ('mother'), ('father'), ('both'), ('heavy')) e(exposure)
),
c AS (
    SELECT relation_kind, outcome, exposure,
           CASE WHEN grouping(sex) = 1 THEN 'all' ELSE sex END AS child_sex,
           count(*) FILTER (WHERE is_exposed) AS exposed_children,
           count(*) FILTER (WHERE is_exposed AND included) AS n1,
           count(*) FILTER (WHERE is_exposed AND included AND outcome_date IS NOT NULL) AS a,
           count(*) FILTER (WHERE n_g1_parents = 0) AS unexposed_children,
           count(*) FILTER (WHERE n_g1_parents = 0 AND included) AS n0,
           count(*) FILTER (WHERE n_g1_parents = 0 AND included AND outcome_date IS NOT NULL) AS c,
           count(*) FILTER (WHERE is_exposed AND followed_to_a) AS n1_followed,
           count(*) FILTER (WHERE is_exposed AND followed_to_a AND outcome_date IS NOT NULL) AS a_followed,
           count(*) FILTER (WHERE n_g1_parents = 0 AND followed_to_a) AS n0_followed,
           count(*) FILTER (WHERE n_g1_parents = 0 AND followed_to_a AND outcome_date IS NOT NULL) AS c_followed
    FROM d
    GROUP BY GROUPING SETS ((relation_kind, outcome, exposure), (relation_kind, outcome, exposure, sex))
),
r AS (
    SELECT *,
           a / nullif(n1, 0)::DOUBLE AS risk_exposed,
           c / nullif(n0, 0)::DOUBLE AS risk_unexposed,
           (a / nullif(n1, 0)::DOUBLE) / nullif(c / nullif(n0, 0)::DOUBLE, 0) AS risk_ratio,
           CASE WHEN a > 0 AND c > 0 THEN sqrt(1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n0) END AS se_log,
           (a_followed / nullif(n1_followed, 0)::DOUBLE)
               / nullif(c_followed / nullif(n0_followed, 0)::DOUBLE, 0) AS risk_ratio_followed,
           CASE WHEN a_followed > 0 AND c_followed > 0
                THEN sqrt(1.0 / a_followed - 1.0 / n1_followed + 1.0 / c_followed - 1.0 / n0_followed) END
               AS se_log_followed
    FROM c
)
SELECT relation_kind, outcome, exposure, child_sex,
       exposed_children, n1, a, unexposed_children, n0, c,
       exposed_children - n1 AS exposed_not_yet_followed, unexposed_children - n0 AS unexposed_not_yet_followed,
       risk_exposed, risk_unexposed, risk_ratio,
       exp(ln(risk_ratio) - $1 * se_log) AS lower, exp(ln(risk_ratio) + $1 * se_log) AS upper,
       n1_followed, a_followed, n0_followed, c_followed,
       a_followed / nullif(n1_followed, 0)::DOUBLE AS risk_exposed_followed,
       c_followed / nullif(n0_followed, 0)::DOUBLE AS risk_unexposed_followed,
       risk_ratio_followed,
       exp(ln(risk_ratio_followed) - $1 * se_log_followed) AS lower_followed,
       exp(ln(risk_ratio_followed) + $1 * se_log_followed) AS upper_followed
FROM r
ORDER BY relation_kind, outcome, exposure, child_sex = 'all' DESC, child_sex
