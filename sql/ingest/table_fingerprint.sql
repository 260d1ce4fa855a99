-- A whole-table fingerprint (for tables without persons, e.g. population).
SELECT count(*), coalesce(sum(hash({{cols}})::HUGEINT), 0)::VARCHAR FROM {{from}};
