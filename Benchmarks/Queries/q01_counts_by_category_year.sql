-- Requests per category and year.
SELECT categoria, extract(year FROM fecha_creacion) AS anio, count(*) AS reportes
FROM reportes
GROUP BY categoria, anio
ORDER BY categoria, anio;
