#!/usr/bin/env bash
# The default `rnnkit train sentiment` (IMDB, full 25k test set): wall time and test accuracy.
# Usage: benchmarks/tasks/sentiment_imdb.sh [RUN_DIR] [extra rnnkit train flags...]
set -euo pipefail
run_dir=${1:-runs/bench-sentiment-imdb}; shift || true
echo "machine: $(nproc) cores, $(python -c 'import torch; print("torch", torch.__version__, torch.get_num_threads(), "threads")')"
start=$(date +%s)
rnnkit train sentiment --run-dir "$run_dir" "$@"
echo "wall: $(( $(date +%s) - start )) s (fetch, tokenize, train, test)"
