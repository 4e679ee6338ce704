-- Every column of the ten most expensive requests: late materialization of a top-N.
SELECT *
FROM reportes
WHERE costo IS NOT NULL
ORDER BY costo DESC, id
LIMIT 10;
