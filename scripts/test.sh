#!/usr/bin/env bash
# Sets up and runs Murmur's whole test suite on a fresh machine (Debian/Ubuntu, Python 3.11+).
# Installs Debian's chromium, nginx, caddy and systemd for the tests, makes a virtual environment in .venv,
# then runs lint, types, the tests, and the benchmarks at small sizes.
set -euo pipefail
cd "$(dirname "$0")/.."

# Real servers the tests start: Chromium (pages), nginx and Caddy (the shipped proxy
# configs, over TLS), systemd-analyze (the shipped service unit), PostgreSQL and Redis
# (the store and bus of several processes; tests/servers.py starts its own of each).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
  || missing+=(postgresql)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing Debian's ${missing[*]} for the tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
    "${missing[@]}" >/dev/null
  # Debian starts the packaged services; the tests run their own on other ports.
  $SUDO systemctl stop nginx caddy postgresql redis-server >/dev/null 2>&1 || true
  $SUDO pkill -x nginx >/dev/null 2>&1 || true
  $SUDO pkill -x caddy >/dev/null 2>&1 || true
  $SUDO pkill -x redis-server >/dev/null 2>&1 || true
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv"
  "$PYTHON" -m venv .venv
fi
echo "== installing murmur and its test tools"
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[test]'

export MURMUR_CHROMIUM="${MURMUR_CHROMIUM:-$(command -v chromium)}"

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy (strict)"
.venv/bin/mypy
# Two workers, a test file each at a time (--dist loadfile: a file's module fixtures, such
# as one live server or one Chromium, stay in one process). Most tests wait on sockets,
# browsers and servers, so two workers on two cores take about 30 % less time (526 s
# against 746 s, measured). PYTEST_WORKERS=0 runs them in one process.
WORKERS=(-n "${PYTEST_WORKERS:-2}" --dist loadfile)
echo "== pytest (${WORKERS[*]})"
.venv/bin/python -m pytest "${WORKERS[@]}" "$@"
# The same store, socket, resume and desk tests again, on PostgreSQL and Redis
# (tests/servers.py starts both; tests/live.py gives each server its own database).
echo "== pytest on PostgreSQL + Redis (the shared tests)"
MURMUR_TEST_BACKEND=postgresql+redis .venv/bin/python -m pytest "${WORKERS[@]}" \
  tests/test_store.py tests/test_changes.py tests/test_sockets.py tests/test_desk.py \
  tests/test_api.py tests/test_claims.py tests/test_events.py tests/test_reconfigure.py \
  tests/test_attendee.py tests/test_announce.py tests/test_display.py tests/test_figures.py \
  tests/test_invites.py tests/test_people.py tests/test_replies.py tests/test_status.py \
  tests/test_submit.py "$@"
echo "== slow tests (soak), at small sizes"
MURMUR_SOAK_POSTS="${MURMUR_SOAK_POSTS:-300}" .venv/bin/python -m pytest -m slow "$@"
echo "== benchmarks (small sizes; full sizes: see bench/README.md)"
.venv/bin/python bench/latency.py --screens 20 --posts 10
.venv/bin/python bench/screen_memory.py --screens 200
.venv/bin/python bench/slow_screen.py --screens 20 --posts 700
.venv/bin/python bench/fanout.py --screens 100 --posts 10
.venv/bin/python bench/cluster_soak.py --seconds 30 --screens 100 --rate 20
.venv/bin/python bench/jetstream.py --frames 20000
.venv/bin/python bench/media.py --quick
