-- Persons delivered by several sources with a different birth date or sex.
-- params: glob of every persons file of the new version
SELECT person_id,
       string_agg(source || ':' || strftime(birth_date, '%Y-%m-%d') || ':' || sex, ' | ' ORDER BY source) AS versions
FROM read_parquet(?)
GROUP BY person_id
HAVING count(DISTINCT birth_date) > 1 OR count(DISTINCT sex) > 1
ORDER BY person_id;
