#!/usr/bin/env bash
# Every result of benchmarks/TASKS.md, one after another (logs and run folders under $OUT);
# JOBS="mnist-pixels" runs the one-hour pixel-by-pixel job (not in the default list).
# OMP_NUM_THREADS: torch's 2 threads spin badly when the 2 cores are shared with other jobs;
# on an idle 2-core machine leave it unset.
set -uo pipefail
OUT=${OUT:-runs/bench}; mkdir -p "$OUT"
step() { local name=$1; shift; echo "== $name: $*"; local t0=$(date +%s)
         "$@" > "$OUT/$name.log" 2>&1; echo "   rc=$? wall=$(( $(date +%s) - t0 ))s"; tail -3 "$OUT/$name.log"; }
for job in ${JOBS:-chinese-baseline chinese-sentiment chinese-seeds imdb-sentiment article000-speed mnist-rows article003-lstm article003-lstm-wv}; do
  case $job in
    chinese-baseline)  step $job python benchmarks/tasks/chinese_baseline.py ;;
    chinese-sentiment) step $job rnnkit train sentiment --dataset chinese-reviews --run-dir "$OUT/run-chinese" ;;
    chinese-seeds)     step $job python benchmarks/tasks/sentiment_seeds.py --seeds 0 1 2 3 4 --set hidden_size=96 --out "$OUT/seeds" ;;
    imdb-sentiment)    step $job rnnkit train sentiment --run-dir "$OUT/run-imdb" ;;
    article000-speed)  step $job python benchmarks/tasks/article000_speed.py ;;
    mnist-rows)        step $job rnnkit train mnist --mode rows --run-dir "$OUT/run-mnist-rows" ;;
    article003-lstm)   step $job python examples/imdb_lstm.py ;;
    article003-lstm-wv) step $job python examples/imdb_lstm.py --word-vectors ;;
    mnist-pixels)      # an hour of training, then the best validation epoch on the test set
                       step $job timeout 3600 rnnkit train mnist --mode pixels --num-layers 1 --max-shift 0 --chrono-init \
                            --schedule none --epochs 30 --run-dir "$OUT/run-mnist-pixels"
                       step $job-test rnnkit evaluate "$OUT/run-mnist-pixels" ;;
  esac
done
