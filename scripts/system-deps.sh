# Sourced by scripts/run and scripts/test: the Debian packages vledger needs beside PyPI.
#   fonts-wqy-zenhei  a CJK font embedded (subset) into the PDF certificate, so Chinese renders with no download
#   poppler-utils     pdftotext / pdftoppm, with which the tests read the PDF and render it to find its QR
#   chromium          the headless browser the page tests drive through Playwright (test only)
# As root with apt-get they are installed when missing; otherwise a missing one is named with the command
# that installs it.

ensure_system_deps() {
  local want=("$@") missing=() package
  for package in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
    return
  fi
  echo "error: missing system packages: ${missing[*]} (install with: sudo apt-get install ${missing[*]})" >&2
  return 1
}
