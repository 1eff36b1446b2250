#!/usr/bin/env bash
# The LieQ results tables, reproducibly: for each model, FP16; uniform 4-bit RTN/GPTQ/AWQ;
# uniform 2-bit RTN/GPTQ; the LieQ plan (dr ranking, paper rule) at 2 + 2/L bits with each
# backend; and at the same budget the plan protecting the lowest-dr layers instead and the plan
# chosen by the measured dPPL (the oracle); the baseline rules at the same budget (llama.cpp's
# layer heuristic, first/last layers, seeded random plans) and the measured-gain plan (issue 16).
# WikiText-2 perplexity and six zero-shot tasks.
#
#   tests/bench/results/run_results.sh [--limit N] [--windows W] [--samples C] [--out DIR]
#                                      [--comparison-backends rtn,gptq] [--sections main,single]
#                                      [--probe 8] [--seeds 1,2,3] [--tasks LIST|none]
#                                      [--backends rtn,gptq,awq] [MODEL_DIR ...]
#
# Models default to ../shared/models/stories260K-hf and resources/demo-model (when present).
# Protocol (stated in the generated markdown as well):
#  - WikiText-2 test (../shared/data/wikitext-2-raw/wiki.test.hf_joined.txt) is split at the
#    blank line nearest its middle: perplexity on the first W non-overlapping windows of the
#    first half, calibration (GPTQ/AWQ statistics, the LieQ analysis) on seeded windows of the
#    second half, so calibration never sees evaluation text.
#  - window length S = min(512, max_position_embeddings); C calibration windows (seed 0).
#  - damage: KL(P_FP16 || P_quantized) per token on the perplexity windows (lieq ppl
#    --kl-reference), with llama.cpp's statistics (standard error, percentiles, top-1 agreement,
#    change of the next token's probability, PPL ratio).
#  - the measure pass (lieq measure, GPTQ, 2 -> 4 bits) on the calibration half: per layer the
#    KL with only that layer at 2 bits and the gain of raising it to 4 bits over uniform 2-bit;
#    every predictor (dPPL, dr, dE, measured sensitivity, the baseline rules) scored against the
#    gains at the budget.
#  - zero-shot: the first N items of each task (lm-eval-harness scoring), the same items for
#    every row; acc for PIQA, ARC-e, WinoGrande, BoolQ; acc_norm for ARC-c and HellaSwag.
#  - group size 128 (per row where a layer is narrower), asymmetric, GPTQ without act-order.
#  - finally every plan with exactly one 4-bit layer (GPTQ; perplexity and KL only): the
#    measured quantization oracle the dr and dPPL choices are ranked against.
# --sections picks the parts (main: the table rows; single: the one-4-bit-layer plans); the
# analysis always runs (reused from the store when done before). --tasks none drops the zero-shot
# columns; --backends limits the uniform and LieQ rows (the other plans are GPTQ). A one-layer
# plan identical to a GPTQ row of the table reuses that row's figures (same calibration, same
# windows: the same quantization).
# Everything is recorded in DIR/store.sqlite; DIR/<model>/*.json are the raw command outputs;
# DIR/results.json and DIR/results.md the summary (tests/bench/results/summarize.py).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
LIEQ=${LIEQ:-$ROOT/build-release/app/cli/lieq}
SHARED=${LIEQ_SHARED_DIR:-$ROOT/../shared}
LIMIT=80
WINDOWS=40
SAMPLES=32
OUT=$ROOT/build-release/results
CMP_BACKENDS=rtn,gptq
SECTIONS=main,single
PROBE=8
SEEDS=1,2,3
TASKS=piqa,arc_e,arc_c,hellaswag,winogrande,boolq
BACKENDS=rtn,gptq,awq
MODELS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --limit) LIMIT=$2; shift 2 ;;
        --windows) WINDOWS=$2; shift 2 ;;
        --samples) SAMPLES=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --comparison-backends) CMP_BACKENDS=$2; shift 2 ;;
        --sections) SECTIONS=$2; shift 2 ;;
        --probe) PROBE=$2; shift 2 ;;
        --seeds) SEEDS=$2; shift 2 ;;
        --tasks) TASKS=$2; shift 2 ;;
        --backends) BACKENDS=$2; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | grep '^#'; exit 0 ;;
        -*) echo "run_results.sh: unknown option $1" >&2; exit 2 ;;
        *) MODELS+=("$1"); shift ;;
    esac
done
if [ ${#MODELS[@]} -eq 0 ]; then
    MODELS=("$SHARED/models/stories260K-hf")
    [ -f "$ROOT/resources/demo-model/config.json" ] && MODELS+=("$ROOT/resources/demo-model")
fi
WIKI=$SHARED/data/wikitext-2-raw/wiki.test.hf_joined.txt
for f in "$LIEQ" "$WIKI"; do
    [ -e "$f" ] || { echo "run_results.sh: $f not found (build lieq; ../shared/data)" >&2; exit 1; }
done
mkdir -p "$OUT"
STORE=$OUT/store.sqlite
# OpenMP threads that spin while waiting starve each other on a shared, busy machine (measured:
# 29 s instead of 3.6 s for one small perplexity run); sleeping waiters cost nothing when idle.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
[ "$TASKS" = none ] && TASKS=
TASK_ARGS=()
[ -n "$TASKS" ] && TASK_ARGS=(--tasks "$TASKS" --limit "$LIMIT" --data-dir "$SHARED/data")
has() { [[ ",$1," == *,$2,* ]]; } # has LIST ITEM

# Split WikiText-2 test at the blank line nearest the middle (first half: evaluation).
python3 - "$WIKI" "$OUT/wiki-eval.txt" "$OUT/wiki-calib.txt" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
mid = len(text) // 2
cut = text.find("\n\n", mid)
open(sys.argv[2], "w", encoding="utf-8").write(text[:cut])
open(sys.argv[3], "w", encoding="utf-8").write(text[cut + 2:])
PY
EVAL=$OUT/wiki-eval.txt
CALIB=$OUT/wiki-calib.txt

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

for MODEL in "${MODELS[@]}"; do
    NAME=$(basename "$MODEL")
    DIR=$OUT/$NAME
    mkdir -p "$DIR"
    read -r LAYERS MAXPOS < <(python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))
print(c["num_hidden_layers"], c.get("max_position_embeddings", 2048))' "$MODEL/config.json")
    SEQLEN=$(( MAXPOS < 512 ? MAXPOS : 512 ))
    BUDGET=$(python3 -c "print(round(2 + 2 / $LAYERS, 6))")
    # KL against the FP16 model on the perplexity windows, in the same run (--kl-reference base).
    COMMON=(--calib "$CALIB" --samples "$SAMPLES" --seqlen "$SEQLEN" --seed 0
            --eval-ppl "$EVAL" --eval-seqlen "$SEQLEN" --max-windows "$WINDOWS"
            --kl-reference base --store "$STORE" --json --quiet)
    log "$NAME: $LAYERS layers, seqlen $SEQLEN, budget $BUDGET bits"

    log "$NAME: analysis (dPPL, compactness, energy) on the calibration half"
    nice -n 10 "$LIEQ" analyze "$MODEL" --data "$CALIB" --samples "$SAMPLES" --seqlen "$SEQLEN" \
        --metrics dppl,compact,energy --store "$STORE" --out "$DIR/analysis.json" --quiet \
        > "$DIR/analysis.txt" 2> "$DIR/analysis.log"
    RUN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$DIR/analysis.json")

    log "$NAME: measure pass (GPTQ, 2 -> 4 bits) and the predictors against it"
    nice -n 10 "$LIEQ" measure "$MODEL" --data "$CALIB" --samples "$SAMPLES" --seqlen "$SEQLEN" \
        --seed 0 --method gptq --probe-windows "$PROBE" --scores-run "$RUN" --budget "$BUDGET" \
        --store "$STORE" --json --quiet > "$DIR/measure.json" 2> "$DIR/measure.log"
    MRUN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run_id"])' "$DIR/measure.json")

    if [[ ",$SECTIONS," == *,main,* ]]; then
        log "$NAME: fp16"
        nice -n 10 "$LIEQ" eval "$MODEL" --ppl "$EVAL" --seqlen "$SEQLEN" --max-windows "$WINDOWS" \
            "${TASK_ARGS[@]}" --json --no-progress > "$DIR/fp16.json" 2> "$DIR/fp16.log"

        quant() { # ID, then quantize arguments
            local id=$1; shift
            log "$NAME: $id"
            local t0=$SECONDS
            nice -n 10 "$LIEQ" quantize "$MODEL" "$@" "${COMMON[@]}" "${TASK_ARGS[@]}" \
                > "$DIR/$id.json" 2> "$DIR/$id.log"
            echo "$(( SECONDS - t0 ))" > "$DIR/$id.seconds"
        }
        for m in rtn gptq awq; do has "$BACKENDS" $m && quant "uniform4-$m" --bits 4 --method $m; done
        for m in rtn gptq; do has "$BACKENDS" $m && quant "uniform2-$m" --bits 2 --method $m; done
        has "$BACKENDS" gptq || quant "uniform2-gptq" --bits 2 --method gptq # the gains' baseline
        PLAN=(--budget "$BUDGET" --scores-run "$RUN")
        for m in rtn gptq awq; do
            has "$BACKENDS" $m && quant "lieq-$m" "${PLAN[@]}" --score-metric dr --method $m
        done
        for m in ${CMP_BACKENDS//,/ }; do
            quant "lowest-$m" "${PLAN[@]}" --score-metric dr --invert-scores --method $m
            quant "oracle-$m" "${PLAN[@]}" --score-metric dppl --method $m
        done
        # Issue 16: the other predictors and the rules users would apply, GPTQ, same budget.
        quant "de-gptq" "${PLAN[@]}" --score-metric dE --method gptq
        for rule in llama-cpp first last; do
            quant "rule-$rule-gptq" --budget "$BUDGET" --rule "$rule" --method gptq
        done
        for seed in ${SEEDS//,/ }; do
            quant "random$seed-gptq" --budget "$BUDGET" --rule random --rule-seed "$seed" --method gptq
        done
        quant "measured-gptq" --budget "$BUDGET" --rule measured --measure-run "$MRUN" --method gptq
    fi

    # Every one-4-bit-layer plan (the budget's only other choices), GPTQ, perplexity and KL
    # only: where the dr choice ranks among all of them, i.e. the measured quantization oracle.
    [[ ",$SECTIONS," == *,single,* ]] || continue
    for (( l = 0; l < LAYERS; l++ )); do
        "$LIEQ" allocate --scores-run "$RUN" --store "$STORE" --budget "$BUDGET" \
            --pin "$l=4" --out "$DIR/single-$l.plan.json" > /dev/null
        SAME=$(python3 - "$DIR" "$l" <<'PY'
import glob, json, os, sys
d, l = sys.argv[1], int(sys.argv[2])
for p in sorted(glob.glob(os.path.join(d, "*-gptq.json"))):
    try:
        bits = json.load(open(p))["plan"]["layer_bits"]
    except (ValueError, KeyError):
        continue
    if [i for i, b in enumerate(bits) if b != 2] == [l] and bits[l] == 4:
        print(p)
        break
PY
)
        if [ -n "$SAME" ]; then
            log "$NAME: only layer $l at 4 bits = $(basename "$SAME" .json) (reused)"
            cp "$SAME" "$DIR/single-$l.json"
            continue
        fi
        log "$NAME: only layer $l at 4 bits"
        nice -n 10 "$LIEQ" quantize "$MODEL" --plan "$DIR/single-$l.plan.json" --method gptq \
            "${COMMON[@]}" > "$DIR/single-$l.json" 2> "$DIR/single-$l.log"
    done
done

python3 "$ROOT/tests/bench/results/summarize.py" "$OUT" --limit "$LIMIT" --windows "$WINDOWS" \
    --samples "$SAMPLES"
log "wrote $OUT/results.md and $OUT/results.json"
