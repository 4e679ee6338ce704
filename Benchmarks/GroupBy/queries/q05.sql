-- sum v1:v3 by id6 (N/K integer groups)
SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM x GROUP BY id6
