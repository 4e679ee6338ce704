"""Writes Tests/PlazaParquetTests/Fixtures/dict_fallback.parquet: one text column whose
dictionary outgrows pyarrow's limit within its row group, so the first pages are
dictionary-encoded and the rest PLAIN (the writer's fallback), with NULLs in both; and
dict_fallback.tsv, its values. Run with any Python that has pyarrow (Benchmarks/Compare/.venv).
"""
import os

import pyarrow as pa
import pyarrow.parquet as pq

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "PlazaParquetTests", "Fixtures")
ROWS = 5000

# 100 distinct values for the first 2,500 rows (a small dictionary), then new ones that overflow it.
values = [None if i % 7 == 3 else "colonia %d %s" % (i % 100 if i < 2500 else i, "x" * (i % 100 % 13)) for i in range(ROWS)]
table = pa.table({"name": pa.array(values, pa.string())})
pq.write_table(table, os.path.join(OUT, "dict_fallback.parquet"), row_group_size=ROWS, compression="none",
               dictionary_pagesize_limit=4096, data_page_size=1024)
with open(os.path.join(OUT, "dict_fallback.tsv"), "w", encoding="utf-8") as f:
    f.write("\n".join("NULL" if v is None else v for v in values) + "\n")
