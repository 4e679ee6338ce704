-- Window: the three neighbourhoods with the most requests for each agency (rank within groups over an aggregate).
SELECT dependencia, colonia, reportes, puesto
FROM (
    SELECT dependencia, colonia, count(*) AS reportes,
           rank() OVER (PARTITION BY dependencia ORDER BY count(*) DESC, colonia) AS puesto
    FROM reportes
    GROUP BY dependencia, colonia
) AS ranking
WHERE puesto <= 3
ORDER BY dependencia, puesto;
