#!/usr/bin/env bash
# The server version matrix (tests/matrix/run.ts): the broker / backend conformance suites and the
# Redis / AMQP interop tests against Debian trixie's Redis 8.0, Valkey 8.1 and RabbitMQ 4.0, started
# from the trixie chroot (scripts/bootstrap.sh --all installs them) on free ports. Needs root.
#   bash scripts/matrix.sh                 # all three
#   bash scripts/matrix.sh valkey-8.1      # some: redis-8.0, valkey-8.1, rabbitmq-4.0
# Writes test-results/matrix-<server>.json (summed by scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --conditions=source --import tsx tests/matrix/run.ts "$@"
