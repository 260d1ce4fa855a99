INSERT INTO indicator_counts VALUES (?, ?, ?, ?, ?)
