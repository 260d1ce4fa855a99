-- Independent oracle: field indicators per closed episode (docs/definitions.md §4.12). The score of an
-- instrument is the `end`-moment row (latest by date), else the latest row of any moment;
-- episodes without one leave the denominator. Ties on date are broken by measurement id.
WITH closed AS (
    SELECT episode_id, end_reason FROM care_episodes WHERE end_date IS NOT NULL
),
scored AS (
    SELECT m.episode_id, m.instrument, m.value,
           row_number() OVER (PARTITION BY m.episode_id, m.instrument
                              ORDER BY (m.moment = 'end') DESC, m.date DESC, m.measurement_id DESC) AS pick
    FROM measurements m JOIN closed c USING (episode_id)
    WHERE m.instrument IN ('goal_attainment', 'satisfaction')
)
SELECT 'regular', count(*) FILTER (WHERE end_reason IN ('planned', 'early_mutual', 'age_limit')), count(*) FROM closed
UNION ALL
SELECT 'goal', count(*) FILTER (WHERE value IN (1, 2)), count(*) FROM scored WHERE pick = 1 AND instrument = 'goal_attainment'
UNION ALL
SELECT 'satisfaction', count(*) FILTER (WHERE value >= 7), count(*) FROM scored WHERE pick = 1 AND instrument = 'satisfaction'
