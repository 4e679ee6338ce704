-- Window: 7-request moving average of resolution time per status (a ROWS frame over every row).
SELECT estatus, avg(media_movil) AS promedio_de_medias, max(media_movil) AS maxima
FROM (
    SELECT estatus,
           avg(horas_resolucion) OVER (PARTITION BY estatus ORDER BY id ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
               AS media_movil
    FROM reportes
) AS medias
GROUP BY estatus
ORDER BY estatus;
