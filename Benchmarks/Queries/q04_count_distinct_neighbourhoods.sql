-- In how many neighbourhoods each category was reported.
SELECT categoria, count(DISTINCT colonia) AS colonias
FROM reportes
GROUP BY categoria
ORDER BY categoria;
