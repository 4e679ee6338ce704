-- Row count and non-NULL counts of the optional columns.
SELECT count(*) AS filas, count(fecha_cierre) AS cerrados, count(costo) AS con_costo, count(latitud) AS con_ubicacion
FROM reportes;
