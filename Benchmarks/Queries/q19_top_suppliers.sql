-- The ten suppliers paid the most.
SELECT proveedor, sum(monto) AS total, count(*) AS pagos
FROM presupuesto
GROUP BY proveedor
ORDER BY total DESC
LIMIT 10;
