-- Hand-written DuckDB SQL for spells + re-entry (DOMAIN.md §4, §4.1), the yardstick of the
-- outcome engine's speed in benches/scale.sh: per-index rows with the status of each window,
-- written to reentry_hand.parquet in the working directory. Run: kohort sql --store S --file THIS
COPY (WITH fu AS (
    SELECT person_id,
       least(death_date, emigration_date, extracted_on,
             CASE WHEN month(birth_date) = 2 AND day(birth_date) = 29
                       AND NOT ((year(birth_date) + 18) % 4 = 0 AND ((year(birth_date) + 18) % 100 <> 0 OR (year(birth_date) + 18) % 400 = 0))
                  THEN make_date(year(birth_date) + 18, 3, 1)
                  ELSE make_date(year(birth_date) + 18, month(birth_date), day(birth_date)) END) AS fu
FROM persons
),
e AS (
    SELECT person_id, episode_id, start_date AS s, coalesce(end_date, DATE '9999-12-31') AS e
    FROM care_episodes
),
o AS (
    SELECT *, max(e) OVER (PARTITION BY person_id ORDER BY s, episode_id
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_end
    FROM e
),
n AS (
    SELECT *, sum(CASE WHEN latest_end IS NULL OR s - latest_end > 31 THEN 1 ELSE 0 END)
                  OVER (PARTITION BY person_id ORDER BY s, episode_id) AS spell_no
    FROM o
),
spells AS (
    SELECT person_id, spell_no, min(s) AS start, max(e) AS end_ FROM n GROUP BY ALL
),
idx AS (
    SELECT person_id, end_ AS idx, lead(start) OVER (PARTITION BY person_id ORDER BY spell_no) AS next_start
    FROM spells
),
w(window_days) AS (VALUES (182), (365), (730))
SELECT i.person_id, i.idx AS index_date, i.next_start, f.fu AS fu_date, w.window_days,
       CASE WHEN i.idx >= f.fu THEN 'dropped'
            WHEN i.next_start IS NOT NULL AND i.next_start <= f.fu AND i.next_start - i.idx <= w.window_days THEN 'event'
            WHEN f.fu < i.idx + w.window_days THEN 'censored'
            ELSE 'no_event' END AS status
FROM idx i JOIN fu f USING (person_id) CROSS JOIN w
WHERE i.idx < DATE '9999-12-31') TO 'reentry_hand.parquet' (FORMAT parquet)