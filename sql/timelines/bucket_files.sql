-- How many files (sources) one table of one bucket has. params: the bucket's glob
SELECT count(*) FROM glob(?);
