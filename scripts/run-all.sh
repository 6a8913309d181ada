#!/usr/bin/env bash
# Start web server, Celery worker and Celery beat together; Ctrl-C stops all three.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping web, worker and beat…"
  kill "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
  exit 0
}
trap stop INT TERM EXIT
"$BIN/gunicorn" policy.wsgi -b "$HOST:$PORT" -w "${WEB_WORKERS:-2}" --access-logfile - &
pids+=($!)
"$BIN/celery" -A policy worker -l info --concurrency "${CELERY_CONCURRENCY:-2}" -n "worker@%h" &
pids+=($!)
"$BIN/celery" -A policy beat -l info --pidfile= -s "${DATA_DIR:-var}/celerybeat-schedule" &
pids+=($!)
sleep 2
cat <<MSG

  4+1 dashboard is running at http://$HOST:$PORT/
  Demo logins (password: ${DEMO_PASSWORD:-sichuan-4plus1}):
    official  — 领导/处室, reads everything
    owner     — 项目负责人 (天府智算中心, 万达开先进计算中心, 成都智算中心)
    owner2    — 项目负责人 (政务大模型试点, 智慧蓉城, 绿电交易试点)
    lead      — 牵头部门 (国产推理算力大后方)
    lead2     — 牵头部门 (政务大模型)
    admin     — 管理员
  Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
echo "A process exited; stopping the others." >&2
stop
