-- Window: cost quartiles over all priced requests (one partition sorted whole).
SELECT cuartil, count(*) AS reportes, min(costo) AS desde, max(costo) AS hasta
FROM (
    SELECT costo, ntile(4) OVER (ORDER BY costo, id) AS cuartil
    FROM reportes
    WHERE costo IS NOT NULL
) AS cuartiles
GROUP BY cuartil
ORDER BY cuartil;
