# Sourced by scripts/run and scripts/test: find Python 3.11+, create .venv, install vledger into it.
# `ensure_venv SPEC` installs SPEC (`.` or `.[test]`) in editable mode, only when pyproject.toml changed since
# the last install of that SPEC, so a second run starts at once.

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "error: vledger needs Python 3.11 or newer (set PYTHON=/path/to/python3.11 to choose one)" >&2
  return 1
}

ensure_venv() {
  local spec="$1" python stamp wanted
  if [ ! -x .venv/bin/python ]; then
    python=$(find_python) || return 1
    echo "creating .venv with $("$python" --version 2>&1)" >&2
    "$python" -m venv .venv || {
      echo "error: '$python -m venv' failed; on Debian/Ubuntu install the python3-venv package" >&2
      return 1
    }
  fi
  stamp=".venv/.vledger-installed-$(printf '%s' "$spec" | tr -c 'a-z' '_')"
  wanted=$(.venv/bin/python -c 'import hashlib, sys
print(hashlib.sha256(open("pyproject.toml", "rb").read() + sys.argv[1].encode()).hexdigest())' "$spec")
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ] || [ ! -x .venv/bin/vledger ]; then
    echo "installing vledger ($spec) into .venv" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-input -e "$spec"
    echo "$wanted" > "$stamp"
  fi
}
