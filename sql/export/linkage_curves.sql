-- Curve input of a linkage export: per relation kind, outcome and exposure group (either), the
-- children's age in days at the outcome or the end of follow-up, the cause (1 outcome, 2 death or
-- emigration before A, 0 censored) and the child's family, in time order.
SELECT l.relation_kind, l.outcome, l.exposed, l.time_days, l.cause, f.family
FROM linkage_g2_long l
JOIN families f ON f.relation_kind = l.relation_kind AND f.person_id = l.child_id
ORDER BY 1, 2, 3, 4, 5, 6
