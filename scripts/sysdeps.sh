#!/usr/bin/env bash
# Install the Debian packages the app needs, or say exactly what to install.
#   scripts/sysdeps.sh run   — what `make run` needs (CJK fonts, PDF libraries, chromium for chart export, npm)
#   scripts/sysdeps.sh test  — plus what the tests need (poppler-utils for pdftotext/pdffonts)
set -euo pipefail
mode=${1:-run}
pkgs=(gettext fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium)
# npm installs plotly.js's partial bundle (package.json); the tests' axe-core too.
command -v npm >/dev/null || pkgs+=(npm)
if [ "$mode" = test ]; then
  pkgs+=(poppler-utils)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing system packages. Install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
