#!/usr/bin/env python3
"""Extracts every query and statement of Tests/SQL/**/*.test into Fuzz/Corpus/sql/ (one file each)."""
import hashlib, pathlib, sys

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "Fuzz" / "Corpus" / "sql"
out.mkdir(parents=True, exist_ok=True)
count = 0
for test in sorted((root / "Tests" / "SQL").rglob("*.test")):
    lines = test.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        head = lines[i].split()
        i += 1
        if not head or head[0] not in ("query", "statement"):
            continue
        sql = []
        while i < len(lines) and lines[i].strip() not in ("", "----"):
            sql.append(lines[i])
            i += 1
        text = "\n".join(sql).strip()
        if text:
            name = hashlib.sha1(text.encode()).hexdigest()[:16] + ".sql"
            (out / name).write_text(text, encoding="utf-8")
            count += 1
print(f"{count} statements written to {out}", file=sys.stderr)
