-- 90th percentile of resolution time per agency.
SELECT dependencia, quantile_cont(horas_resolucion, 0.9) AS p90_horas
FROM reportes
GROUP BY dependencia
ORDER BY dependencia;
