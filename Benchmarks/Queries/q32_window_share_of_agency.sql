-- Window: each category's share of its agency's requests (sum of an aggregate over a partition).
SELECT dependencia, categoria, count(*) AS reportes,
       100.0 * count(*) / sum(count(*)) OVER (PARTITION BY dependencia) AS porcentaje
FROM reportes
GROUP BY dependencia, categoria
ORDER BY dependencia, categoria;
