-- What `kohort linkage` prints (template: the table, the run's or a cohort's view): resilience of heavily exposed G1 parents (all parent sexes).
SELECT relation_kind, outcome, heavy_parents, with_child_outcome, resilient, not_yet_followed,
       round(100 * share_resilient, 1) AS pct_resilient
FROM {{table}}
WHERE parent_sex = 'all'
ORDER BY relation_kind, outcome
