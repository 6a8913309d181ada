#!/usr/bin/env bash
# Lighthouse on the overview and the map, signed in as the demo official, desktop and mobile.
#   scripts/lighthouse.sh [BASE_URL]     (default http://127.0.0.1:8000, what `make run` serves)
# Uses the npm dev dependency lighthouse (npm ci) and Debian's chromium (CHROME_PATH). The app must
# run with the same DATABASE_URL/DATA_DIR as this shell: the script signs the official in by
# creating a session with manage.py. Reports go to var/lighthouse/; a summary is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-http://127.0.0.1:8000}
BIN=${VENV:-.venv}/bin
export CHROME_PATH=${CHROME_PATH:-/usr/bin/chromium}
OUT=var/lighthouse
mkdir -p "$OUT"
[ -x node_modules/.bin/lighthouse ] || { echo "run npm ci first (lighthouse is a dev dependency)" >&2; exit 1; }

session=$("$BIN/python" manage.py shell -v0 -c "
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from importlib import import_module
user = get_user_model().objects.get(username='official')
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY] = str(user.pk)
store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
store[HASH_SESSION_KEY] = user.get_session_auth_hash()
store.create()
print(settings.SESSION_COOKIE_NAME + '=' + store.session_key)
" 2>/dev/null | tail -1)
headers=$(printf '{"Cookie": "%s"}' "$session")

run() {  # name path preset
  local flags=()
  [ "$3" = desktop ] && flags+=(--preset=desktop)
  node_modules/.bin/lighthouse "$BASE$2" "${flags[@]}" --quiet --output=json \
    --output-path="$OUT/$1-$3.json" --only-categories=performance,accessibility \
    --extra-headers="$headers" --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
    --disable-full-page-screenshot >/dev/null
}
for preset in desktop mobile; do
  run overview / "$preset"
  run map /map/ "$preset"
done

"$BIN/python" - "$OUT" <<'PY'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
print(f"{'page':10} {'preset':8} {'perf':>5} {'a11y':>5} {'TBT ms':>7} {'LCP s':>6} {'KiB':>6}")
for name in ("overview", "map"):
    for preset in ("desktop", "mobile"):
        r = json.loads((out / f"{name}-{preset}.json").read_text())
        a, c = r["audits"], r["categories"]
        kib = a["total-byte-weight"]["numericValue"] / 1024
        print(f"{name:10} {preset:8} {c['performance']['score']:5.2f} "
              f"{c['accessibility']['score']:5.2f} {a['total-blocking-time']['numericValue']:7.0f} "
              f"{a['largest-contentful-paint']['numericValue'] / 1000:6.2f} {kib:6.0f}")
PY
