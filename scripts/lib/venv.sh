# Creates .venv with Python 3.11+ and installs the project into it when setup.cfg changed.
# Usage: ensure_venv [EXTRAS]   (e.g. ensure_venv test)

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

ensure_venv() {
  local extras="${1:-}" spec="." stamp python wanted
  [ -n "$extras" ] && spec=".[$extras]"
  if [ ! -x .venv/bin/python ]; then
    python=$(find_python) || return 1
    echo "creating .venv with $($python --version)"
    "$python" -m venv .venv
  fi
  wanted=$(cat setup.cfg pyproject.toml | sha256sum | cut -c1-16)-$extras
  stamp=.venv/.installed
  # Any installed extras set includes the plain install.
  if [ ! -f "$stamp" ] || ! { grep -qx -- "$wanted" "$stamp" ||
       { [ -z "$extras" ] && grep -q -- "^${wanted}" "$stamp"; }; }; then
    echo "installing the registry into .venv"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
    # another extras set may have been installed before; remember every one we installed
    { cat "$stamp" 2>/dev/null; echo "$wanted"; } > "$stamp.new" && mv "$stamp.new" "$stamp"
  fi
}
