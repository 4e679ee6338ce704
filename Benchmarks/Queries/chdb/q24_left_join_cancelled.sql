-- Cancelled requests per district, keeping districts without any (join_use_nulls gives SQL NULLs to unmatched rows).
SELECT c.alcaldia, count(r.id) AS cancelados
FROM colonias c
LEFT JOIN reportes r ON r.colonia = c.colonia AND r.estatus = 'Cancelado'
GROUP BY c.alcaldia
ORDER BY c.alcaldia
SETTINGS join_use_nulls = 1;
