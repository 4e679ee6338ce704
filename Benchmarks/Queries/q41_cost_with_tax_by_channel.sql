-- Money arithmetic inside aggregates: cost with 16 % VAT and after a 5 % rebate, per channel and year.
SELECT canal, year(fecha_creacion) AS anio,
       sum(costo * 1.16) AS costo_con_iva,
       sum(costo * (1 - 0.05) + 12.50) AS costo_neto_con_cuota
FROM reportes
WHERE costo IS NOT NULL
GROUP BY canal, anio
ORDER BY canal, anio;
