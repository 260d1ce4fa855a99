-- The study's cells from every study-index row (a full study run).
CREATE OR REPLACE TEMP TABLE study_cells AS
{{cells}};
