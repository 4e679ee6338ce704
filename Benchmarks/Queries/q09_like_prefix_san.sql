-- Neighbourhoods named after a saint, by requests.
SELECT colonia, count(*) AS reportes
FROM reportes
WHERE colonia LIKE 'San %'
GROUP BY colonia
ORDER BY reportes DESC, colonia
LIMIT 20;
