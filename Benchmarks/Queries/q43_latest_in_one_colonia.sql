-- The latest requests of one neighbourhood, second page: ORDER BY time DESC over data stored in time order.
SELECT id, fecha_creacion, categoria, estatus
FROM reportes
WHERE colonia = 'Colinas de Mixquic'
ORDER BY fecha_creacion DESC, id
LIMIT 20 OFFSET 5;
