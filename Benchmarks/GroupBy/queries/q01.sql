-- sum v1 by id1 (100 text groups)
SELECT id1, sum(v1) AS v1 FROM x GROUP BY id1
