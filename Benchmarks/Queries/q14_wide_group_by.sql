-- Requests per neighbourhood and day (hundreds of thousands of groups), summarised.
SELECT count(*) AS grupos, max(n) AS maximo, sum(n) AS total
FROM (
    SELECT colonia, CAST(fecha_creacion AS DATE) AS dia, count(*) AS n
    FROM reportes
    GROUP BY colonia, dia
) t;
