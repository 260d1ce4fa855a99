-- What the birth window changed in the published panel (persons.sql): persons and rows whose
-- index date, exit date or exit reason was coarsened, persons and rows cut by the window, and
-- the rows published.
SELECT count(*) FILTER (WHERE index_coarsened)::BIGINT,
       coalesce(sum(p1 - p0 + 1) FILTER (WHERE index_coarsened), 0)::BIGINT,
       count(*) FILTER (WHERE exit_coarsened)::BIGINT,
       coalesce(sum(p1 - p0 + 1) FILTER (WHERE exit_coarsened), 0)::BIGINT,
       count(*) FILTER (WHERE reason_merged)::BIGINT,
       coalesce(sum(p1 - p0 + 1) FILTER (WHERE reason_merged), 0)::BIGINT,
       count(*) FILTER (WHERE p0 > f0 OR p1 < f1)::BIGINT,
       coalesce(sum((f1 - f0) - (p1 - p0)), 0)::BIGINT,
       coalesce(sum(p1 - p0 + 1), 0)::BIGINT
FROM panel_person;
