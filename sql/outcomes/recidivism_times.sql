-- Time to recidivism after the end of a youth probation measure (docs/definitions.md §4.17):
-- per variant (`any`, `serious`) the Kaplan-Meier time and whether it ends in a new offence,
-- counted per distinct pair (dropped indexes give no observation); the curves expand the counts.
-- {{time}}, {{t}}: the variant's time columns, chosen in Rust from a fixed list (identifiers).
SELECT {{time}}, ({{t}} IS NOT NULL)::INTEGER AS event, count(*) AS n FROM recidivism
WHERE index_kind = 'probation_end' AND NOT dropped GROUP BY ALL ORDER BY ALL
