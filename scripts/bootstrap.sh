#!/usr/bin/env bash
# Makes a fresh machine ready: pnpm (pinned), node_modules, and with --all also Redis, RabbitMQ
# and Python Celery (5.2 from Debian, 5.5 in a trixie chroot) for the interop tests, RabbitMQ 4.0,
# Redis 8.0 and Valkey 8.1 in that chroot for the RabbitMQ 4 test and the server matrix
# (scripts/matrix.sh), Debian's prometheus for the metrics test, the openssl command the TLS
# tests (tests/tls) make their certificates with, and Debian's chromium for the dashboard's
# browser tests (tests/dashboard).
#   bash scripts/bootstrap.sh --deps   # pnpm + node_modules only
#   bash scripts/bootstrap.sh --all    # + services + Python Celery + prometheus + chromium
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM_VERSION=10.34.8
mode=${1:---deps}

log() { printf '[bootstrap] %s\n' "$*" >&2; }

if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  log "installing pnpm@$PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" >&2
fi

# Install when node_modules is missing or older than the lockfile / a manifest.
stamp=node_modules/.celerity-install-stamp
need_install=0
[ -f "$stamp" ] || need_install=1
if [ "$need_install" = 0 ]; then
  for f in pnpm-lock.yaml package.json packages/*/package.json apps/*/package.json bench/package.json chaos/package.json; do
    [ -f "$f" ] && [ "$f" -nt "$stamp" ] && need_install=1 && break
  done
fi
if [ "$need_install" = 1 ]; then
  log "pnpm install"
  if [ -n "${CI:-}" ] && [ -f pnpm-lock.yaml ]; then pnpm install --frozen-lockfile >&2; else pnpm install >&2; fi
  touch "$stamp"
fi

# The dashboard's page is a built asset: tests and `celerity dashboard` run from source still serve
# packages/dashboard-ui/dist, so build it when missing or older than its sources.
ui=packages/dashboard-ui
if [ -d "$ui/node_modules" ] && { [ ! -f "$ui/dist/index.html" ] || [ -n "$(find "$ui/src" "$ui/vite.config.ts" -newer "$ui/dist/index.html" -print -quit)" ]; }; then
  log "building $ui"
  pnpm --filter @celerity/dashboard-ui build >&2
fi

if [ "$mode" = "--all" ]; then
  bash scripts/services.sh
  bash scripts/python-celery.sh
  bash scripts/rabbitmq4.sh
  bash scripts/redis-valkey.sh
  bash scripts/prometheus.sh
  command -v openssl >/dev/null 2>&1 || (LOG_TAG=tls && . scripts/lib.sh && apt_install openssl)
  [ -x /usr/bin/chromium ] || (LOG_TAG=chromium && . scripts/lib.sh && apt_install chromium)
fi
