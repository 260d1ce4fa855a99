-- The store's data end: the latest extracted_on of its deliveries' person rows.
SELECT max(extracted_on) FROM persons_all
