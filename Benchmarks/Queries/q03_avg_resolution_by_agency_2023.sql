-- Average resolution time of closed requests per agency, created in 2023.
SELECT dependencia, avg(horas_resolucion) AS horas_promedio, count(*) AS cerrados
FROM reportes
WHERE fecha_creacion >= TIMESTAMP '2023-01-01 00:00:00'
  AND fecha_creacion < TIMESTAMP '2024-01-01 00:00:00'
  AND estatus = 'Cerrado'
GROUP BY dependencia
ORDER BY dependencia;
