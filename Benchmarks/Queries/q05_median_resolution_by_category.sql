-- Median resolution time per category.
SELECT categoria, median(horas_resolucion) AS mediana_horas
FROM reportes
GROUP BY categoria
ORDER BY categoria;
