-- Grouping sets: requests per agency, per channel and in total in one pass.
SELECT dependencia, canal, count(*) AS reportes, grouping(dependencia, canal) AS nivel
FROM reportes
GROUP BY GROUPING SETS ((dependencia), (canal), ())
ORDER BY nivel, dependencia, canal;
