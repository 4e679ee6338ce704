-- Requests and their cost per department, through the agency lookup table.
SELECT d.secretaria, count(*) AS reportes, sum(r.costo) AS costo_total
FROM reportes r
JOIN dependencias d ON r.dependencia = d.dependencia
GROUP BY d.secretaria
ORDER BY d.secretaria;
