#!/usr/bin/env bash
# The fast AddressSanitizer + UBSan + LeakSanitizer subset that CI runs (tests/run-all.sh): torch-free
# tests of the untrusted-input readers (files, tokenizer, store, fuzz-input replays), built with the
# `asan` preset (GCC, -O1 -g1, -fsanitize=address,undefined) into build-asan. None of them links
# libtorch, so only the project's own torch-free libraries are compiled a second time.
# The whole suite under ASan (torch, CLI, GUI) is too slow for CI on two cores: see
# docs/robustness.md, "Sanitizers", for how it was run and what it found.
#
# Fails (exit 1) when a test fails or when any process (a test or a child it starts: CLI, helper
# process) wrote a sanitizer report. Reports go to files (log_path), so a report in a child whose
# stderr a test swallows, or whose exit code a test expects to be non-zero, is still caught.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Chosen for cost: every test pulls about 50 objects (lieq_io, lieq_util, lieq_testutil) and each
# further library costs more than the tests on it, so the set covers the readers of untrusted input
# (safetensors, config.json, GGUF, tokenizer.json, plan and scores files, a hostile store) and
# leaves out the other torch-free tests (allocator, analysis/Eigen, exchange), which the full
# ASan run covers. Measured build cost: docs/robustness.md, "Sanitizers".
tests=(tst_atomicfile tst_dtype tst_safetensors tst_gguf tst_gptqpack tst_splitchooser
       tst_changedondisk tst_pretokenizer tst_experimentstore tst_hostilestore
       tst_fuzz_safetensors tst_fuzz_model_config tst_fuzz_gguf tst_fuzz_tokenizer_json
       tst_fuzz_tokenizer_encode tst_fuzz_plan_json tst_fuzz_scores)

start=$(date +%s)
jobs=$(nproc)
cmake --preset asan >/dev/null
cmake --build build-asan -j"$jobs" --target "${tests[@]}"
built=$(date +%s)

reports="$PWD/build-asan/sanitizer-reports/ci"
rm -rf "$reports"
mkdir -p "$reports"
source tests/sanitizers/sanitizer-env.sh "$reports/report"

regex="^($(IFS='|'; echo "${tests[*]}"))\$"
rc=0
ctest --test-dir build-asan -R "$regex" -j"$jobs" --output-on-failure || rc=$?

# UBSan reports on stderr (see sanitizer-env.sh): the test log has every test's output.
if grep -n "runtime error:" build-asan/Testing/Temporary/LastTest.log >&2; then
  echo "asan-ci: UndefinedBehaviorSanitizer report above" >&2
  rc=1
fi
if compgen -G "$reports/report*" >/dev/null; then
  echo "asan-ci: sanitizer reports:" >&2
  for f in "$reports"/report*; do echo "---- $f" >&2; cat "$f" >&2; done
  rc=1
fi
end=$(date +%s)
echo "asan-ci: ${#tests[@]} tests, build $((built - start)) s, tests $((end - built)) s, rc $rc" \
     "(load $(cut -d' ' -f1-3 /proc/loadavg))"
exit "$rc"
