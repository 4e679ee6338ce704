-- A page from the middle of all requests ordered by cost: a full sort of every row.
SELECT id, costo
FROM reportes
ORDER BY costo, id
LIMIT 10 OFFSET 5000000;
