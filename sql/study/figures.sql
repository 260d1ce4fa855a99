-- The figures of the proportion outcomes (docs/definitions.md §5.1): per cell, count = indexes
-- with the event, denominator = indexes with the event or a complete window without it; and
-- of the category outcomes (§5.10): per cell and category, count = units in the category,
-- denominator = units in the cell, every category of the outcome (over the whole study) a row;
-- and of the plain counts (§4.8.6): count = units in the cell, no denominator.
CREATE OR REPLACE TEMP TABLE study_figures AS
WITH c AS (SELECT c.*, o.kind FROM study_cells c JOIN study_outcomes o USING (outcome)),
cats AS (SELECT DISTINCT outcome, sub, category FROM c WHERE kind = 'categories'),
binary_cells AS (
    SELECT cohort, outcome, sub AS variant, window_days, period, region_level, region, split, split_value,
           coalesce(sum(n) FILTER (WHERE category = 'event'), 0)::BIGINT AS count, sum(n)::BIGINT AS denominator
    FROM c WHERE kind = 'proportion'
    GROUP BY ALL
),
by_category AS (
    SELECT c.cohort, c.outcome, CASE WHEN c.sub = '' THEN k.category ELSE c.sub || ':' || k.category END AS variant,
           c.window_days, c.period, c.region_level, c.region, c.split, c.split_value,
           coalesce(sum(c.n) FILTER (WHERE c.category = k.category), 0)::BIGINT AS count, sum(c.n)::BIGINT AS denominator
    FROM c JOIN cats k USING (outcome, sub)
    WHERE c.kind = 'categories'
    GROUP BY ALL
),
count_cells AS (
    SELECT cohort, outcome, sub AS variant, window_days, period, region_level, region, split, split_value,
           sum(n)::BIGINT AS count, NULL::BIGINT AS denominator
    FROM c WHERE kind = 'count'
    GROUP BY ALL
)
SELECT *, NULL::BIGINT AS population, NULL::DOUBLE AS rate_standardised, NULL::DOUBLE AS rate_standardised_lower,
       NULL::DOUBLE AS rate_standardised_upper
FROM binary_cells
UNION ALL
SELECT *, NULL, NULL, NULL, NULL FROM by_category
UNION ALL
SELECT *, NULL, NULL, NULL, NULL FROM count_cells;
