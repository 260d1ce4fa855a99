-- The data ends (extracted_on) of persons rows. params: the files' glob when {{from}} reads them
SELECT DISTINCT extracted_on FROM {{from}} WHERE extracted_on IS NOT NULL ORDER BY 1;
