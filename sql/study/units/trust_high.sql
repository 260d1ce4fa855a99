-- The questionnaire outcome trust_high (issue 16, docs/definitions.md §4.8.7): per household and
-- period of the study (year, quarter or all), the household's last answer on trust in the help (`trust`) dated in
-- the period; event = a score of 4 or 5. The unit's person is the household's representative on
-- the answer date: a member with a `households` row valid that day, a parent first, then the
-- smallest person id; the household counts once, placed by that person (site, residence, sex,
-- age band). An answer of a household with no member that day is left out.
WITH a AS (
    SELECT q.household_id, q.answer_date, q.score
    FROM questionnaire q CROSS JOIN study_settings s
    WHERE q.item = 'trust'
    QUALIFY row_number() OVER (
        PARTITION BY q.household_id, CASE s.period_kind WHEN 'year' THEN year(q.answer_date)
                                                       WHEN 'quarter' THEN study_q(q.answer_date) ELSE 0 END
        ORDER BY q.answer_date DESC) = 1
),
rep AS (
    SELECT a.household_id, a.answer_date, arg_min(h.person_id, (h.role <> 'parent', h.person_id)) AS person_id
    FROM a JOIN households h
      ON h.household_id = a.household_id AND h.valid_from <= a.answer_date
     AND (h.valid_to IS NULL OR a.answer_date <= h.valid_to)
    GROUP BY ALL
)
SELECT r.person_id, a.answer_date AS entry_date, a.answer_date AS index_date, '' AS sub, NULL::INTEGER AS window_days,
       CASE WHEN a.score >= 4 THEN 'event' ELSE 'no_event' END AS category, NULL::BIGINT AS time_days,
       NULL::BOOLEAN AS event, NULL AS level, NULL AS care_form, NULL AS measure_kind, NULL AS report_kind
FROM a JOIN rep r USING (household_id, answer_date)
