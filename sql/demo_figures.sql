-- A few figures of the store, for `kohort demo`.
SELECT 'persons' AS figure, count(*) AS value FROM persons
UNION ALL SELECT 'children (born after 2000) with a youth-care episode', count(DISTINCT e.person_id)
    FROM care_episodes e JOIN persons p USING (person_id) WHERE p.birth_date >= DATE '2000-01-01'
UNION ALL SELECT 'care episodes', count(*) FROM care_episodes
UNION ALL SELECT 'out-of-home episodes (foster care, family home, residential, secure)', count(*)
    FROM care_episodes WHERE care_form IN ('foster_care', 'family_home', 'residential', 'secure')
UNION ALL SELECT 'protection measures (ots, guardianship)', count(*) FROM measures WHERE kind <> 'youth_probation'
UNION ALL SELECT 'youth probation', count(*) FROM measures WHERE kind = 'youth_probation'
UNION ALL SELECT 'safety reports (Veilig Thuis)', count(*) FROM safety_reports
UNION ALL SELECT 'measurements', count(*) FROM measurements
UNION ALL SELECT 'parent-child relations', count(*) FROM relations;
