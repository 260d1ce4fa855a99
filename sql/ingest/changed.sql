-- Persons whose rows in a table differ between the source's previous delivery (in the store)
-- and this one: a per-person count and order-free sum of row hashes over the delivered columns.
-- params: glob of the previous files of this table and source
INSERT INTO changed
SELECT * FROM (
    WITH n AS (
        SELECT {{pcol}} AS person_id, count(*) AS c, sum(hash({{cols}})::HUGEINT) AS h
        FROM {{ok}} GROUP BY 1
    ),
    o AS (
        SELECT {{pcol}} AS person_id, count(*) AS c, sum(hash({{cols}})::HUGEINT) AS h
        FROM read_parquet(?) GROUP BY 1
    )
    SELECT coalesce(n.person_id, o.person_id), '{{table}}'
    FROM n FULL OUTER JOIN o ON n.person_id = o.person_id
    WHERE (n.c IS DISTINCT FROM o.c OR n.h IS DISTINCT FROM o.h)
      AND coalesce(n.person_id, o.person_id) IS NOT NULL
);
