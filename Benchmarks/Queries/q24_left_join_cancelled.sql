-- Cancelled requests per district, keeping districts without any.
SELECT c.alcaldia, count(r.id) AS cancelados
FROM colonias c
LEFT JOIN reportes r ON r.colonia = c.colonia AND r.estatus = 'Cancelado'
GROUP BY c.alcaldia
ORDER BY c.alcaldia;
