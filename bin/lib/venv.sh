#!/usr/bin/env bash
# Usage: bin/lib/venv.sh REQUIREMENTS_FILE
# Creates .venv (if missing) and installs REQUIREMENTS_FILE into it, only when that file or
# the files it includes changed since the last install (a sha256 stamp per file in .venv).
set -euo pipefail
cd "$(dirname "$0")/../.."
req="$1"
py=.venv/bin/python
if [ -x "$py" ] && ! "$py" -c 'import sys' >/dev/null 2>&1; then
  echo "==> .venv is broken; recreating it"
  rm -rf .venv
fi
if [ ! -x "$py" ]; then
  echo "==> creating .venv with $(python3 --version 2>&1)"
  python3 -m venv .venv
fi
stamp=".venv/.installed-$(basename "$req").sha256"
want=$({ "$py" -c 'import sys; print(sys.version)'; cat requirements*.txt; } | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "==> installing $req into .venv"
  # This machine's pip config names local index folders that may not exist; pip warns about
  # each one. The filter keeps pip's own exit status (pipefail).
  "$py" -m pip install -q --disable-pip-version-check -r "$req" 2>&1 |
    { grep -v "^WARNING: Location 'file://.*' is ignored" || true; }
  echo "$want" >"$stamp"
fi
