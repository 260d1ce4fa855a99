-- The counts of one split over a relation of study rows: per cohort, outcome, sub-outcome,
-- window, category, period, index year, municipality and district, the rows in each category
-- of the split. {{split}} is the split's name, {{value}} its category expression and
-- {{applies}} the condition that the outcome has the split's dimensions (all three built by
-- kohort from the dimension names of src/study/catalogue.rs); {{rows}} a table name.
SELECT '{{split}}' AS split, {{value}} AS split_value, cohort, outcome, sub, window_days, category, period,
       index_year, municipality, district, count(*)::BIGINT AS n
FROM {{rows}}
WHERE category IS NOT NULL AND {{applies}}
GROUP BY ALL
