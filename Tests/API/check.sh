#!/usr/bin/env bash
# Checks that `import Plaza` exposes only the API: the public symbols of every library module of
# the package (from `swift package dump-symbol-graph`) must equal Tests/API/public-symbols.txt.
# Engine modules share their internals through `package` access, so they list nothing.
#
#   Tests/API/check.sh            compare (CI)
#   Tests/API/check.sh --update   rewrite the list after a deliberate change of the API
set -euo pipefail
cd "$(dirname "$0")/../.."
# The test modules' graphs may fail to emit ("Couldn't load module 'PlazaPackageTests'" after a
# `swift build --build-tests`); only the library modules' graphs are read, so their presence is checked.
out="$( (swift package dump-symbol-graph --skip-synthesized-members 2>&1 || true) | sed -n 's/^Files written to //p')"
[[ -d "$out" ]] || { echo "api: dump-symbol-graph wrote no directory" >&2; exit 1; }
[[ -f "$out/Plaza.symbols.json" ]] || { echo "api: no symbol graph for the Plaza module in $out" >&2; exit 1; }
actual="$(python3 - "$out" <<'PY'
import glob, json, os, sys
rows = []
for path in glob.glob(os.path.join(sys.argv[1], '*.symbols.json')):
    module = os.path.basename(path).split('.')[0].split('@')[0]
    if not module.startswith('Plaza') or module.endswith('Tests') or module == 'PlazaTestSupport':
        continue
    for symbol in json.load(open(path))['symbols']:
        rows.append(f"{module} {symbol['kind']['identifier'].removeprefix('swift.')} "
                    f"{'.'.join(symbol['pathComponents'])}")
print('\n'.join(sorted(set(rows))))
PY
)"
if [[ "${1:-}" == "--update" ]]; then
    printf '%s\n' "$actual" > Tests/API/public-symbols.txt
    echo "api: wrote Tests/API/public-symbols.txt ($(wc -l < Tests/API/public-symbols.txt) symbols)"
    exit 0
fi
if ! diff -u Tests/API/public-symbols.txt <(printf '%s\n' "$actual"); then
    echo "api: the public surface changed (lines above: - expected, + actual). If deliberate, run Tests/API/check.sh --update" >&2
    exit 1
fi
echo "api: public surface as recorded ($(wc -l < Tests/API/public-symbols.txt) symbols)"
