-- a leading comment
SELECT /* inline */ 1 -- trailing