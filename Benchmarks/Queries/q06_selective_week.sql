-- One week of requests: a selective time range that block statistics can prune.
SELECT count(*) AS reportes, sum(costo) AS costo_total, avg(horas_resolucion) AS horas_promedio
FROM reportes
WHERE fecha_creacion BETWEEN TIMESTAMP '2024-03-04 00:00:00' AND TIMESTAMP '2024-03-10 23:59:59';
