-- The published persons and their clusters, for the export ids (computed and sorted by kohort).
SELECT person_id, cluster FROM panel_qi WHERE NOT suppressed AND NOT bad;
