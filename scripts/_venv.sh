# Shared by scripts/demo and scripts/test: make .venv with a Python >= 3.11 and install the
# project into it (with the extras given), reinstalling only when pyproject.toml changed.
jz_find_python() {
  for cand in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 &&
      "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$cand"
      return 0
    fi
  done
  echo "jzctl needs Python 3.11 or newer; none was found (set PYTHON=/path/to/python3.11)." >&2
  return 1
}

jz_venv() {
  local extras="$1" py stamp want
  if [ ! -x .venv/bin/python ]; then
    py=$(jz_find_python) || return 1
    echo "Creating .venv with $("$py" --version)..." >&2
    "$py" -m venv .venv || return 1
  fi
  stamp=.venv/.jz-installed
  want="$(cat pyproject.toml | sha256sum | cut -c1-16) [$extras]"
  if [ ! -f "$stamp" ] || ! grep -qxF "$want" "$stamp"; then
    echo "Installing jiuzhu-console${extras:+[$extras]} into .venv..." >&2
    .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras:+[$extras]}" >&2 || return 1
    echo "$want" >>"$stamp"
  fi
}
