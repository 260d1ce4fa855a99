-- Published persons (rows.sql is run for the ranks 0 .. this count, one range at a time).
SELECT count(*)::BIGINT FROM panel_person;
