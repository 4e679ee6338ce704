-- largest two v3 by id6 (a window per N/K integer groups)
SELECT id6, largest2_v3 FROM (
    SELECT id6, v3 AS largest2_v3, row_number() OVER (PARTITION BY id6 ORDER BY v3 DESC) AS order_v3
    FROM x WHERE v3 IS NOT NULL
) AS ranked
WHERE order_v3 <= 2
