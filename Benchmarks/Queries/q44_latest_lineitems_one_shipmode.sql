-- The latest lines of one ship mode, second page, over lineitem stored in l_orderkey order: a
-- top-N that reads the row groups with the largest keys first and skips the rest (issue 21).
SELECT l_orderkey, l_linenumber, l_shipdate
FROM lineitem
WHERE l_shipmode = 'AIR'
ORDER BY l_orderkey DESC, l_linenumber
LIMIT 20 OFFSET 5;
