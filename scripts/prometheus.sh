#!/usr/bin/env bash
# Makes Debian's `prometheus` available for the metrics test that scrapes a worker with a real
# Prometheus server (packages/metrics/test/prometheus-scrape.int.test.ts starts its own on a free
# port). Fast and idempotent when it is installed; prints the version found.
set -euo pipefail
LOG_TAG=prometheus
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

find_prometheus() { command -v prometheus 2>/dev/null || { [ -x /usr/bin/prometheus ] && echo /usr/bin/prometheus; } || true; }

if [ -z "$(find_prometheus)" ]; then
  apt_install prometheus
  [ -n "$(find_prometheus)" ] || die "prometheus is still not installed"
fi
log "$("$(find_prometheus)" --version 2>&1 | head -n 1)"
