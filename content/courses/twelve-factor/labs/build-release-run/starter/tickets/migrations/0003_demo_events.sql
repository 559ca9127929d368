INSERT INTO events (id, name, starts_at, capacity) VALUES (1, 'Release-day party', '2030-05-01T18:00:00Z', 3);
INSERT INTO events (id, name, starts_at, capacity) VALUES (2, 'Twelve factors, one evening', '2030-06-12T19:00:00Z', 50);
