-- Window: distinct neighbourhoods per category by dense_rank, and the gap to the next request (lead).
SELECT categoria, max(orden) AS colonias, avg(espera) AS espera_promedio
FROM (
    SELECT categoria,
           dense_rank() OVER (PARTITION BY categoria ORDER BY colonia) AS orden,
           lead(horas_resolucion) OVER (PARTITION BY categoria ORDER BY id) - horas_resolucion AS espera
    FROM reportes
) AS filas
GROUP BY categoria
ORDER BY categoria;
