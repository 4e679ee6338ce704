-- Grouping sets: requests and cost per agency and status with subtotals per agency and a grand total.
SELECT dependencia, estatus, count(*) AS reportes, sum(costo) AS costo_total
FROM reportes
GROUP BY ROLLUP (dependencia, estatus)
ORDER BY dependencia NULLS LAST, estatus NULLS LAST;
