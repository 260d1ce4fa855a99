-- The linkage curve's own estimate and interval at each (relation kind, outcome, exposed, age).
-- {{table}} is one of the two curve views, `linkage_km` or `linkage_cif` (an identifier).
SELECT relation_kind, outcome, exposed, age_days, cumulative_incidence, lower, upper
FROM {{table}}
