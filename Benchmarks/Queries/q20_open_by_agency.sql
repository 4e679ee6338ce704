-- Requests still open, per agency.
SELECT dependencia, count(*) AS abiertos
FROM reportes
WHERE fecha_cierre IS NULL
GROUP BY dependencia
ORDER BY abiertos DESC, dependencia;
