-- regression v1 by v2 by id2, id4 (10,000 groups): r squared
SELECT id2, id4, pow(corr(v1, v2), 2) AS r2 FROM x GROUP BY id2, id4
