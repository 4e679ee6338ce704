-- sum v1 by id1, id2 (10,000 text groups)
SELECT id1, id2, sum(v1) AS v1 FROM x GROUP BY id1, id2
