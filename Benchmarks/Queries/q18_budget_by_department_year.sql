-- Spending per department and year.
SELECT secretaria, extract(year FROM fecha) AS anio, sum(monto) AS total
FROM presupuesto
GROUP BY secretaria, anio
ORDER BY secretaria, anio;
