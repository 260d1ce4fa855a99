-- Independent oracle fragment: care episodes numbered into spells by gaps and islands
-- (gap 31: an episode joins the spell while start - latest end so far <= 31; an open episode
-- never ends). Defines the CTEs e (episodes), o (latest end before each) and n (spell_no);
-- the other oracle queries include it as {{spells}}.
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
)
