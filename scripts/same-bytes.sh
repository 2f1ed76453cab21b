#!/usr/bin/env bash
# Same results before and after a change: runs every synthetic experiment and reduced MNIST experiments (practical
# and backdoor) on two commits and compares their trials.jsonl and summary.csv byte for byte, fields ending in _ms
# (timings) and _at (clock times) aside.
#
#   scripts/same-bytes.sh OLD [NEW] [--out DIR] [--only name,name]
#
# OLD and NEW are commits (NEW defaults to HEAD). Each is checked out into its own git worktree (using this
# checkout's node_modules, so run `npm ci` first on the newer lockfile); results go to DIR/<commit>/<experiment>/
# (default DIR: .cache/same-bytes). Runs resume, so a second call with the same commits only compares.
# Exit code 0 when every pair is identical, 1 when any differs (the first differing line is printed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/.cache/same-bytes"
ONLY=""
REVS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) OUT=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) REVS+=("$1"); shift ;;
  esac
done
[ ${#REVS[@]} -ge 1 ] || { echo "usage: scripts/same-bytes.sh OLD [NEW] [--out DIR] [--only name,name]" >&2; exit 2; }
OLD=$(git -C "$ROOT" rev-parse --short=12 "${REVS[0]}^{commit}")
NEW=$(git -C "$ROOT" rev-parse --short=12 "${REVS[1]:-HEAD}^{commit}")

# name | arguments: the shipped synthetic experiments in full, the MNIST ones reduced to a few cells and one trial.
EXPERIMENTS=(
  "synthetic-sweep|synthetic-sweep"
  "output-layer-sweep|output-layer-sweep"
  "gaussian-ablation|gaussian-ablation"
  "relu-training-sweep|relu-training-sweep"
  "compare-solvers|compare-solvers"
  "mnist-purify-reduced|mnist-purify --trials 1 --set data.testSamples=2000 --set sweeps.by-corruption.grid.contamination.fraction=[0,0.1,0.3] --set sweeps.exact-lp.grid.contamination.fraction=[0.2]"
  "mnist-backdoor-reduced|mnist-backdoor --trials 1 --set data.testSamples=2000 --set sweeps.by-poison-rate.grid.backdoor.poisonRate=[0.1] --set sweeps.limited-benign.grid.data.subspaceInputs=[100]"
)

worktree() {
  local rev=$1 dir="$OUT/src-$1"
  if [ ! -d "$dir" ]; then
    git -C "$ROOT" worktree add --detach "$dir" "$rev" >/dev/null
    ln -s "$ROOT/node_modules" "$dir/node_modules"
  fi
  echo "$dir"
}

run_all() {
  local rev=$1 src
  src=$(worktree "$rev")
  for entry in "${EXPERIMENTS[@]}"; do
    local name=${entry%%|*} args=${entry#*|}
    if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$name,"* ]]; then continue; fi
    echo "[$rev] $name" >&2
    # shellcheck disable=SC2086
    (cd "$src" && node_modules/.bin/tsx src/cli/experiment.ts $args --out "$OUT/$rev/$name" >"$OUT/$rev/$name.log" 2>&1) \
      || { echo "[$rev] $name failed; see $OUT/$rev/$name.log" >&2; tail -5 "$OUT/$rev/$name.log" >&2; exit 1; }
  done
}

mkdir -p "$OUT/$OLD" "$OUT/$NEW"
run_all "$OLD"
run_all "$NEW"

# Strip timing fields, then compare line by line.
status=0
for entry in "${EXPERIMENTS[@]}"; do
  name=${entry%%|*}
  if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$name,"* ]]; then continue; fi
  for file in trials.jsonl summary.csv; do
    if node "$ROOT/scripts/strip-timing.mjs" "$OUT/$OLD/$name/$file" "$OUT/$NEW/$name/$file"; then
      echo "same   $name/$file"
    else
      echo "DIFFER $name/$file"
      status=1
    fi
  done
done
exit $status
