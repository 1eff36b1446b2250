#!/usr/bin/env bash
# Runs one libFuzzer target of the `fuzz` preset for SECONDS (default 600) on one core, at low
# priority, starting from the checked-in seeds plus what earlier runs found (kept under
# build-fuzz/fuzz-work/TARGET, not in git). Crashers land in build-fuzz/fuzz-work/TARGET/; copy the
# ones you fix to tests/fuzz/regressions/TARGET/ so tst_fuzz_TARGET replays them.
#   cmake --preset fuzz && cmake --build build-fuzz --target fuzz_all -j2
#   tests/fuzz/run_fuzz.sh safetensors 600
set -euo pipefail
cd "$(dirname "$0")/../.."
target=$1
seconds=${2:-600}
bin=build-fuzz/tests/fuzz/fuzz_$target
work=build-fuzz/fuzz-work/$target
mkdir -p "$work/corpus"
dirs=("$work/corpus" tests/fuzz/corpus/"$target")
[ -d tests/fuzz/regressions/"$target" ] && dirs+=(tests/fuzz/regressions/"$target")
dict=()
case $target in
  safetensors|model_config|tokenizer_json|plan_json|scores) dict=(-dict=tests/fuzz/json.dict) ;;
esac
echo "load before: $(cat /proc/loadavg)"
nice -n 10 "$bin" "${dirs[@]}" \
  "${dict[@]}" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/" 2>&1 | tee "$work/last-run.log" | grep -v '^#[0-9]*.*\(NEW\|REDUCE\)' || true
echo "load after: $(cat /proc/loadavg)"
