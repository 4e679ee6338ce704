-- The five districts with the most requests per 10,000 inhabitants.
WITH por_colonia AS (
    SELECT colonia, count(*) AS n
    FROM reportes
    GROUP BY colonia
)
SELECT c.alcaldia, sum(p.n) * 10000.0 / sum(c.poblacion) AS tasa
FROM por_colonia p
JOIN colonias c ON p.colonia = c.colonia
GROUP BY c.alcaldia
ORDER BY tasa DESC
LIMIT 5;
