-- Fixed-window outcomes of the current run: indexes, events, censored, dropped and the
-- percentage with its denominator (event + no event; censored indexes are left out).
-- Recidivism lines only when the store holds offences (without them recidivism is unknown, not 0).
WITH w AS (
    SELECT 're-entry after a spell end (herhaald beroep)' AS outcome, window_days, status FROM reentry_windows
    UNION ALL
    SELECT 'escalation after a spell start (doorstroom)', window_days, status FROM escalation
    UNION ALL
    SELECT 'de-escalation after a spell start', window_days, deesc_status FROM escalation
    UNION ALL
    -- The three child-view lines in one scan of safety_windows.
    SELECT CASE index_kind WHEN 'report' THEN 're-report after a report (hermelding)'
                           WHEN 'spell_end' THEN 're-report after a spell end'
                           WHEN 'measure_end' THEN 're-report after a measure end' END,
           window_days, status FROM safety_windows
    WHERE index_kind IN ('report', 'spell_end', 'measure_end')
    UNION ALL
    SELECT 're-report in the household after a report (family view)', window_days, status FROM safety_household_windows
    UNION ALL
    SELECT 'recidivism after youth probation (algemene recidive)', window_days, status FROM recidivism_windows
    WHERE index_kind = 'probation_end' AND variant = 'any' AND EXISTS (SELECT 1 FROM offences)
    UNION ALL
    SELECT 'serious recidivism after youth probation (ernstige recidive)', window_days, status FROM recidivism_windows
    WHERE index_kind = 'probation_end' AND variant = 'serious' AND EXISTS (SELECT 1 FROM offences)
    UNION ALL
    SELECT 'recidivism after a first offence', window_days, status FROM recidivism_windows
    WHERE index_kind = 'first_offence' AND variant = 'any' AND EXISTS (SELECT 1 FROM offences)
    UNION ALL
    SELECT 'recidivism after a Halt settlement', window_days, status FROM recidivism_windows
    WHERE index_kind = 'halt' AND variant = 'any' AND EXISTS (SELECT 1 FROM offences)
)
SELECT outcome,
       window_days,
       count(*) FILTER (WHERE status = 'event') AS events,
       count(*) FILTER (WHERE status IN ('event', 'no_event')) AS denominator,
       round(100.0 * count(*) FILTER (WHERE status = 'event')
             / nullif(count(*) FILTER (WHERE status IN ('event', 'no_event')), 0), 1) AS pct,
       count(*) FILTER (WHERE status = 'censored') AS censored,
       count(*) FILTER (WHERE status = 'dropped') AS dropped
FROM w
GROUP BY ALL
ORDER BY outcome, window_days;
