-- How many postal codes and neighbourhoods appear at all.
SELECT count(DISTINCT codigo_postal) AS codigos, count(DISTINCT colonia) AS colonias
FROM reportes;
