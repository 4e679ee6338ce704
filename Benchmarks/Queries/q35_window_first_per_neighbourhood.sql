-- Window: the most expensive request of each neighbourhood (row_number() = 1 per group).
SELECT count(*) AS colonias, sum(costo) AS costo_maximo_total, min(costo) AS menor_maximo
FROM (
    SELECT colonia, costo, row_number() OVER (PARTITION BY colonia ORDER BY costo DESC NULLS LAST, id) AS fila
    FROM reportes
) AS filas
WHERE fila = 1;
