-- Requests whose category mentions water.
SELECT dependencia, count(*) AS reportes
FROM reportes
WHERE categoria LIKE '%agua%'
GROUP BY dependencia
ORDER BY dependencia;
