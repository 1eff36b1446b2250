#!/usr/bin/env bash
# Installs every Debian 12 package LieQ Workbench needs to build, test and run.
# Used by both README set-up commands and by .ci/run. Idempotent; uses sudo when not root.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # engine: libtorch (+ OpenBLAS: fp32 matmul is ~30x slower on the reference BLAS), Eigen,
  # sqlite3, JSON, ICU (Unicode classes of the tokenizer pre-tokenizers)
  libtorch-dev libopenblas0-pthread libeigen3-dev libsqlite3-dev sqlite3 nlohmann-json3-dev
  libicu-dev libbz2-dev
  # GUI: Qt 6 Widgets/Charts/Concurrent/Test/Linguist, QuaZip (Charts needs OpenGL + xkbcommon
  # development files at configure time)
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev libxkbcommon-dev libgl-dev qt6-tools-dev
  qt6-tools-dev-tools qt6-l10n-tools libquazip1-qt6-dev qt6-translations-l10n
  # GUI tests and screenshots
  xvfb xauth
  # packaging (tests/packaging: cpack's DEB generator, dpkg-shlibdeps, the desktop-entry and
  # AppStream validators)
  dpkg-dev file desktop-file-utils appstream
  # sweeps: tests/sweep starts a real one-node Slurm (slurmctld + slurmd + munged) in a temp folder
  slurm-wlm munge
  # exports: tests/export/gptq_dequant.py (an independent GPTQ dequantizer in numpy), and
  # pdftoppm to look at report pages
  python3-numpy poppler-utils
)
# Reference implementations for integration tests (transformers.js tokenizers, llama.cpp) come
# from npm; Debian's nodejs is used unless a newer one is already installed.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
