-- Window: lag over every row; how often a request costs more than the agency's previous one.
SELECT dependencia, count(*) AS reportes, sum(CASE WHEN costo > anterior THEN 1 ELSE 0 END) AS mas_caros
FROM (
    SELECT dependencia, costo, lag(costo) OVER (PARTITION BY dependencia ORDER BY id) AS anterior
    FROM reportes
) AS pares
GROUP BY dependencia
ORDER BY dependencia;
