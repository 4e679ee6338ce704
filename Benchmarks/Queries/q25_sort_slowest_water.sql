-- A page of the slowest water requests: sort with offset.
SELECT id, categoria, horas_resolucion
FROM reportes
WHERE dependencia = 'Sistema de Aguas' AND horas_resolucion IS NOT NULL
ORDER BY horas_resolucion DESC, id
LIMIT 20 OFFSET 100;
