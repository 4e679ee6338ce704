-- CASE inside aggregates: requests that took over three days, and still open, per agency and channel.
SELECT dependencia, canal,
       sum(CASE WHEN horas_resolucion > 72 THEN 1 ELSE 0 END) AS lentos,
       sum(CASE WHEN fecha_cierre IS NULL THEN 1 ELSE 0 END) AS abiertos,
       count(*) AS total
FROM reportes
GROUP BY dependencia, canal
ORDER BY dependencia, canal;
