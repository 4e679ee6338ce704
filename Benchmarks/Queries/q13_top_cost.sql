-- The ten most expensive requests.
SELECT id, categoria, colonia, costo
FROM reportes
WHERE costo IS NOT NULL
ORDER BY costo DESC, id
LIMIT 10;
