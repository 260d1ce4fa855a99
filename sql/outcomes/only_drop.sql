-- Drop a bucket's list of persons to recompute once its timelines are read.
DROP TABLE {{name}};
