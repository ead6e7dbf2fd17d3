#!/usr/bin/env bash
# Installs the Python toolchain the repository needs: uv (from PyPI, into .tools/ when it is not on
# PATH) and the locked dependencies into .venv. Safe to run again; it changes nothing when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never
export UV_PROJECT_ENVIRONMENT=.venv
UV_VERSION=0.13.8
uv=$(bash scripts/uv --path)
if [ ! -x "$uv" ]; then
  echo "bootstrap: installing uv ${UV_VERSION} from PyPI into .tools/"
  python3 -m venv .tools
  .tools/bin/pip install --quiet "uv==${UV_VERSION}"
  uv=.tools/bin/uv
fi
"$uv" sync --frozen --all-groups
