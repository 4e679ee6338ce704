-- Requests per status: count(*) grouped by a low-cardinality string.
SELECT estatus, count(*) AS reportes
FROM reportes
GROUP BY estatus
ORDER BY estatus;
