#!/usr/bin/env bash
# ab.sh BASE_SRC ROUNDS [CORPUS_JSONL]: time `thresher run` under another checkout's src folder (BASE_SRC, e.g.
# from `git archive REV src | tar -x -C /tmp/base`, with its compiled modules copied in) and under this one,
# alternating, ROUNDS times, on one corpus (default: the 100 k peers corpus). Prints: arm, wall s, max RSS KB
# of the largest process, summary.json seconds. The machine drifts: only alternating runs compare.
set -euo pipefail
base=$1; rounds=$2
here="$(cd "$(dirname "$0")/.." && pwd)"
corpus=${3:-$here/bench/runs/corpus-p100000-seed4-syn70000/docs.jsonl}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$rounds"); do
  for arm in base this; do
    src=$here/src; [ "$arm" = base ] && src=$base
    rm -rf "$out/run"
    t=$( { /usr/bin/time -f "%e %M" env PYTHONPATH="$src" python -m thresher.cli run "$corpus" -o "$out/run" \
           --workers 2 --no-progress --quiet >/dev/null; } 2>&1 | tail -1)
    echo "$arm $t $(python -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds'])" "$out/run/summary.json")"
  done
done
