#!/usr/bin/env bash
# `manage.py check --deploy --fail-level WARNING` with the settings of .env.production.example.
# The example names secret files that exist only on a server: a throw-away key, an empty SMTP
# password and a temporary DATA_DIR stand in for them; nothing else is changed.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$BIN/python" -c "import secrets; print(secrets.token_urlsafe(50))" > "$work/secret_key"
: > "$work/smtp_password"
env -i PATH="$PATH" HOME="${HOME:-/root}" \
  $(grep -E '^[A-Z_]+=' .env.production.example | xargs) \
  SECRET_KEY_FILE="$work/secret_key" EMAIL_HOST_PASSWORD_FILE="$work/smtp_password" \
  DATA_DIR="$work/data" \
  "$BIN/python" manage.py check --deploy --fail-level WARNING
