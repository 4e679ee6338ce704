-- When people call: requests by hour of day through the phone line.
SELECT extract(hour FROM fecha_creacion) AS hora, count(*) AS reportes
FROM reportes
WHERE canal = 'Teléfono 311'
GROUP BY hora
ORDER BY hora;
