-- Grouping sets: every combination of channel and status, with all subtotals (CUBE).
SELECT canal, estatus, count(*) AS reportes, avg(horas_resolucion) AS horas_promedio
FROM reportes
GROUP BY CUBE (canal, estatus)
ORDER BY canal NULLS LAST, estatus NULLS LAST;
