-- What `kohort linkage` prints (template: the table, the run's or a cohort's view): risk of the outcome by age A, G2 children with a G1 parent
-- (either) vs without, all children, per relation kind and outcome variant; the followed-or-
-- outcome reading (docs/definitions.md §4.13.3, upward-biased for young cohorts) and children followed to A only.
SELECT relation_kind, outcome, a || ' / ' || n1 AS exposed, c || ' / ' || n0 AS unexposed,
       exposed_not_yet_followed + unexposed_not_yet_followed AS not_yet_followed,
       round(risk_ratio, 3) AS risk_ratio, round(lower, 3) AS lower, round(upper, 3) AS upper,
       a_followed || ' / ' || n1_followed AS exposed_followed, c_followed || ' / ' || n0_followed AS unexposed_followed,
       round(risk_ratio_followed, 3) AS rr_followed, round(lower_followed, 3) AS lower_f,
       round(upper_followed, 3) AS upper_f
FROM {{table}}
WHERE exposure = 'either' AND child_sex = 'all'
ORDER BY relation_kind, outcome
