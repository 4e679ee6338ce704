-- Costly WhatsApp requests: a filter that statistics cannot prune (a full scan).
SELECT count(*) AS reportes, sum(costo) AS costo_total, max(costo) AS costo_maximo
FROM reportes
WHERE costo > 5000 AND canal = 'WhatsApp';
