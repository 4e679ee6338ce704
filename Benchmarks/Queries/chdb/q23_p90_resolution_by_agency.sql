-- 90th percentile of resolution time per agency (exact, interpolated like quantile_cont).
SELECT dependencia, quantileExactInclusive(0.9)(horas_resolucion) AS p90_horas
FROM reportes
GROUP BY dependencia
ORDER BY dependencia;
