-- Cost and resolution time by calendar month: sum and avg grouped by a date part.
SELECT extract(month FROM fecha_creacion) AS mes, sum(costo) AS costo_total,
       avg(horas_resolucion) AS horas_promedio
FROM reportes
GROUP BY mes
ORDER BY mes;
