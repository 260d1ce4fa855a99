-- Entry any_spell: the start of every care spell.
SELECT person_id, start AS index_date FROM spells
