#!/usr/bin/env bash
# Set up a fresh machine for evreview: system packages, a virtual environment,
# the CPU build of torch first (so nothing pulls a multi-GB CUDA build), then
# evreview with the bundled model packages. Safe to run again: it skips what is done.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TORCH_VERSION=2.13.0
APT_PACKAGES=(ffmpeg tesseract-ocr tesseract-ocr-eng espeak-ng)
[ "${EVREVIEW_SETUP_BROWSER:-0}" = 1 ] && APT_PACKAGES+=(chromium)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)

stamp="$VENV/.evreview-setup"
want="torch=$TORCH_VERSION $(sha256sum pyproject.toml | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  if ! "$VENV/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    echo "setup: installing torch==$TORCH_VERSION (CPU build)"
    "${PIP[@]}" "torch==$TORCH_VERSION"
  fi
  echo "setup: installing evreview and its dependencies"
  "${PIP[@]}" -e ".[dev]"
  echo "$want" > "$stamp"
fi
echo "setup: ready ($VENV)"
