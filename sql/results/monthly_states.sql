-- monthly_states: the care state in each month since every escalation index not dropped
-- (docs/definitions.md §4.7): month m = 0 .. W/30 of an index is index + m months (a day the
-- target month lacks becomes its last day); on that day the person is `censored` after the
-- follow-up end, else in the state the last `transitions` row on or before that day moved to
-- (`in_care` with its level and protection, or `no_care` at level 0 without a measure; before
-- the first change the person is in no care). Not stored: every row follows from `escalation`
-- (index, follow-up end, window W) and `transitions` (every change of state up to the same
-- follow-up end), so it is a view over them wherever they are views.
CREATE VIEW monthly_states AS
WITH months AS (
    SELECT person_id, spell_no, index_date, fu_date,
           unnest(range(0, greatest(window_days, 0) // 30 + 1)) AS month
    FROM escalation
    WHERE index_date < fu_date
),
dated AS (
    SELECT person_id, spell_no, index_date, fu_date, month::UINTEGER AS month,
           (index_date + to_months(month::INTEGER))::DATE AS date
    FROM months
),
stated AS (
    SELECT d.person_id, d.spell_no, d.index_date, d.month, d.date,
           d.date > d.fu_date AS censored,
           coalesce(t.to_level, 0::UTINYINT) AS level,
           coalesce(t.to_protection, false) AS protection
    FROM dated d
    ASOF LEFT JOIN transitions t ON t.person_id = d.person_id AND t.date <= d.date
)
SELECT person_id, spell_no, index_date, month, date,
       CASE WHEN censored THEN 'censored'
            WHEN level = 0 AND NOT protection THEN 'no_care'
            ELSE 'in_care' END AS status,
       CASE WHEN NOT censored AND (level > 0 OR protection) THEN level END AS level,
       CASE WHEN NOT censored AND (level > 0 OR protection) THEN protection END AS protection
FROM stated
ORDER BY person_id, spell_no, month;
