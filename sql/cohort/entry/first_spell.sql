-- Entry first_spell: the start of each person's first care spell (spells of the outcome run).
SELECT person_id, start AS index_date FROM spells WHERE spell_no = 0
