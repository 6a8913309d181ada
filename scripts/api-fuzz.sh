#!/usr/bin/env bash
# schemathesis against a live server: gunicorn on PostgreSQL with the demo data, every check,
# FUZZ_EXAMPLES (>= 100) examples per operation, once with an admin token and once with an
# owner token. Exits non-zero on any failure. Used by .ci/run; needs DATABASE_URL's server.
#   FUZZ_DATABASE  database to (re)create for the run   [fourplusone_fuzz]
#   FUZZ_PORT      port of the server on 127.0.0.1      [18650]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
DB=${FUZZ_DATABASE:-fourplusone_fuzz}
PORT=${FUZZ_PORT:-18650}
EXAMPLES=${FUZZ_EXAMPLES:-100}
PGHOST=${PGHOST:-127.0.0.1}
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

psql -h "$PGHOST" -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
psql -h "$PGHOST" -U postgres -qc "CREATE DATABASE $DB OWNER fourplusone" >/dev/null

export DJANGO_SETTINGS_MODULE=policy.settings DEBUG=0 DATA_DIR="$work/data"
export DATABASE_URL="postgres://fourplusone@$PGHOST:5432/$DB"
export SECRET_KEY_FILE="$work/secret_key" ALLOWED_HOSTS=127.0.0.1
export STATICFILES_STORAGE=django.contrib.staticfiles.storage.StaticFilesStorage
# The fuzzer sends thousands of requests from one address, bad tokens among them (the
# ignored_auth check): the rate limits would answer 429 to most of the run. They have tests
# of their own (tests/api/test_api_tokens_throttling.py).
export API_THROTTLE_BAD_TOKENS=1000000/m API_THROTTLE_WRITES=1000000/m
export LOG_LEVEL=ERROR  # the server's 4xx warnings would drown schemathesis' report
"$BIN/python" -c "import secrets; print(secrets.token_urlsafe(50))" > "$SECRET_KEY_FILE"
unset CELERY_BROKER_URL CACHE_URL

"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py seed_demo --password "fuzz-$RANDOM-pw" > /dev/null
admin_token=$("$BIN/python" manage.py create_api_token admin --name fuzz --days 1 2>/dev/null)
owner_token=$("$BIN/python" manage.py create_api_token owner --name fuzz --days 1 2>/dev/null)

# --limit-request-line 0: the fuzzer tests the app's contract, not gunicorn's own 4 KiB limit on
# the request line (which answers an HTML 400 before Django sees the request; in production
# nginx's header buffers stand in front and answer 414).
"$BIN/gunicorn" policy.wsgi -b "127.0.0.1:$PORT" -w "${FUZZ_SERVER_WORKERS:-3}" \
  --limit-request-line 0 --log-level warning --error-logfile "$work/gunicorn.log" 2>>"$work/gunicorn.log" &
server=$!
for _ in $(seq 50); do
  curl -fsS "http://127.0.0.1:$PORT/healthz/" >/dev/null 2>&1 && break
  sleep 0.2
done

# One schemathesis process per token, side by side (two cores), each with one worker:
# several worker threads in one process trip a CPython 3.11 race in ast.parse inside
# hypothesis ("AST constructor recursion depth mismatch"), reported as errors of the run.
# Every check runs by default; naming them on the command line (`--checks all`) would also
# override the per-phase settings of schemathesis.toml, which a CLI option outranks.
fuzz() {
  local who=$1 token=$2
  "$BIN/st" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
    --max-examples "$EXAMPLES" --workers 1 --no-color \
    --seed "${FUZZ_SEED:-20261201}" --generation-database none \
    -H "Authorization: Bearer $token" > "$work/$who.log" 2>&1
}
start=$(date +%s)
fuzz admin "$admin_token" & admin_run=$!
fuzz owner "$owner_token" & owner_run=$!
status=0
wait "$admin_run" || status=1
wait "$owner_run" || status=1
for who in admin owner; do
  echo "== schemathesis as $who: every check, $EXAMPLES examples per operation"
  sed -n '/^=* SUMMARY =*$/,$p' "$work/$who.log"
  grep -q "^=* SUMMARY" "$work/$who.log" || cat "$work/$who.log"
done
if [ "$status" -ne 0 ]; then
  for who in admin owner; do
    echo "--- full report as $who ---"; sed -n '/^=* \(ERRORS\|FAILURES\) =*$/,/^=* SUMMARY/p' "$work/$who.log" | cut -c1-400
  done
fi
echo "== schemathesis (admin and owner side by side) took $(( $(date +%s) - start )) s"
if [ "$status" -ne 0 ]; then
  echo "--- gunicorn errors ---" >&2
  tail -n 50 "$work/gunicorn.log" >&2 || true
fi
exit "$status"
