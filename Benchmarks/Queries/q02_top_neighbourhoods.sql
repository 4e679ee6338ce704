-- The ten neighbourhoods with the most requests.
SELECT colonia, count(*) AS reportes
FROM reportes
GROUP BY colonia
ORDER BY reportes DESC, colonia
LIMIT 10;
