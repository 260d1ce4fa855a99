-- Independent oracle (plain SQL over the store views, docs/definitions.md §4.17): recidivism in
-- the default reading. Indexes: the end of every closed youth probation measure, the first
-- offence of a person, the first offence settled by Halt. Follow-up: the earliest of death,
-- emigration and the data end (no age limit). Event: the first offence (of any severity, or
-- `serious`) with an offence date after the index and on or before fu. Status per window
-- W (365, 730) as for re-entry; counted per index kind, variant, window and status.
WITH fu AS (
    SELECT person_id, least(death_date, emigration_date, extracted_on) AS fu FROM persons
),
idx AS (
    SELECT person_id, 'probation_end' AS index_kind, end_date AS idx FROM measures
    WHERE kind = 'youth_probation' AND end_date IS NOT NULL
    UNION ALL
    SELECT person_id, 'first_offence', min(offence_date) FROM offences GROUP BY person_id
    UNION ALL
    SELECT person_id, 'halt', min(offence_date) FROM offences WHERE settlement = 'halt' GROUP BY person_id
),
v(variant) AS (VALUES ('any'), ('serious')),
firsts AS (
    SELECT i.index_kind, i.idx, v.variant, f.fu,
           (SELECT min(o.offence_date) FROM offences o
            WHERE o.person_id = i.person_id AND o.offence_date > i.idx AND o.offence_date <= f.fu
              AND (v.variant = 'any' OR o.severity = 'serious')) AS re
    FROM idx i JOIN fu f USING (person_id) CROSS JOIN v
),
w(window_days) AS (VALUES (365), (730))
SELECT index_kind, variant, window_days,
       CASE WHEN idx >= fu THEN 'dropped'
            WHEN re IS NOT NULL AND re - idx <= window_days THEN 'event'
            WHEN fu < idx + window_days THEN 'censored'
            ELSE 'no_event' END AS status,
       count(*) AS n
FROM firsts CROSS JOIN w
GROUP BY ALL
