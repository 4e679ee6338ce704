-- Requests per district (alcaldía), through the neighbourhood lookup table.
SELECT c.alcaldia, count(*) AS reportes
FROM reportes r
JOIN colonias c ON r.colonia = c.colonia
GROUP BY c.alcaldia
ORDER BY reportes DESC, c.alcaldia;
