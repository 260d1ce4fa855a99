-- Entry spell_of_level: the start of every spell whose level at its start is at least $1.
SELECT person_id, start AS index_date FROM spells WHERE index_level >= $1
