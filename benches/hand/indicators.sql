-- Yardstick (benches/scale.sh): the field indicators per closed care episode (regular ending,
-- goal attained fully or partly, satisfaction >= 7), written by hand in DuckDB SQL over the
-- store views, giving the rows of the `kohort outcomes` summary for this family (docs/definitions.md
-- §4.1, §4.12). Run: kohort sql --store S --file THIS
--
-- The score of an instrument is the episode's `end`-moment row with the latest date, else its
-- latest row of any moment (ties on a date: the highest measurement id).
WITH closed AS (
    SELECT episode_id, end_reason FROM care_episodes WHERE end_date IS NOT NULL
),
scored AS (
    SELECT m.episode_id, m.instrument,
           arg_max(m.value, (m.moment = 'end', m.date, m.measurement_id)) AS value
    FROM measurements m SEMI JOIN closed c USING (episode_id)
    WHERE m.instrument IN ('goal_attainment', 'satisfaction')
    GROUP BY ALL
)
SELECT 'regular ending (per closed episode)' AS indicator,
       count(*) FILTER (WHERE end_reason IN ('planned', 'early_mutual', 'age_limit')) AS count,
       count(*) AS denominator,
       round(100.0 * count(*) FILTER (WHERE end_reason IN ('planned', 'early_mutual', 'age_limit'))
             / nullif(count(*), 0), 1) AS pct
FROM closed
UNION ALL
SELECT 'goal attained fully or partly', count(*) FILTER (WHERE value IN (1, 2)), count(*),
       round(100.0 * count(*) FILTER (WHERE value IN (1, 2)) / nullif(count(*), 0), 1)
FROM scored WHERE instrument = 'goal_attainment'
UNION ALL
SELECT 'satisfaction >= 7', count(*) FILTER (WHERE value >= 7), count(*),
       round(100.0 * count(*) FILTER (WHERE value >= 7) / nullif(count(*), 0), 1)
FROM scored WHERE instrument = 'satisfaction';
