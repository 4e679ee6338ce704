-- Window: running total of cost by day over a grouped query.
SELECT dia, costo_dia, sum(costo_dia) OVER (ORDER BY dia) AS acumulado
FROM (
    SELECT CAST(fecha_creacion AS DATE) AS dia, sum(costo) AS costo_dia
    FROM reportes
    GROUP BY dia
) AS por_dia
ORDER BY dia;
