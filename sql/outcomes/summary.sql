-- Fixed-window outcomes of the current run: indexes, events, censored, dropped and the
-- percentage with its denominator (event + no event; censored indexes are left out), from
-- `window_counts` (window statuses counted per source, kind and variant: window_counts.sql
-- over a run's tables, or the counts of `kohort outcomes --summary-only`).
-- Recidivism lines only when the store holds offences (without them recidivism is unknown, not 0).
SELECT outcome, window_days, events, denominator,
       round(100.0 * events / nullif(denominator, 0), 1) AS pct, censored, dropped
FROM (
    SELECT outcome, window_days,
           coalesce(sum(n) FILTER (WHERE status = 'event'), 0)::BIGINT AS events,
           coalesce(sum(n) FILTER (WHERE status IN ('event', 'no_event')), 0)::BIGINT AS denominator,
           coalesce(sum(n) FILTER (WHERE status = 'censored'), 0)::BIGINT AS censored,
           coalesce(sum(n) FILTER (WHERE status = 'dropped'), 0)::BIGINT AS dropped
    FROM (
        SELECT CASE
                 WHEN source = 'reentry' THEN 're-entry after a spell end (herhaald beroep)'
                 WHEN source = 'escalation' THEN 'escalation after a spell start (doorstroom)'
                 WHEN source = 'deescalation' THEN 'de-escalation after a spell start'
                 WHEN source = 'safety' AND kind = 'report' THEN 're-report after a report (hermelding)'
                 WHEN source = 'safety' AND kind = 'spell_end' THEN 're-report after a spell end'
                 WHEN source = 'safety' AND kind = 'measure_end' THEN 're-report after a measure end'
                 WHEN source = 'household' THEN 're-report in the household after a report (family view)'
                 WHEN source = 'recidivism' AND kind = 'probation_end' AND variant = 'any'
                     THEN 'recidivism after youth probation (algemene recidive)'
                 WHEN source = 'recidivism' AND kind = 'probation_end' AND variant = 'serious'
                     THEN 'serious recidivism after youth probation (ernstige recidive)'
                 WHEN source = 'recidivism' AND kind = 'first_offence' AND variant = 'any'
                     THEN 'recidivism after a first offence'
                 WHEN source = 'recidivism' AND kind = 'halt' AND variant = 'any'
                     THEN 'recidivism after a Halt settlement'
               END AS outcome,
               window_days, status, n
        FROM window_counts
        WHERE source <> 'recidivism' OR EXISTS (SELECT 1 FROM offences)
    )
    WHERE outcome IS NOT NULL
    GROUP BY ALL
)
ORDER BY outcome, window_days;
