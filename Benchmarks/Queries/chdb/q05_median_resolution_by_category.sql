-- Median resolution time per category (ClickHouse's median is approximate; this is the exact, interpolated one).
SELECT categoria, quantileExactInclusive(0.5)(horas_resolucion) AS mediana_horas
FROM reportes
GROUP BY categoria
ORDER BY categoria;
