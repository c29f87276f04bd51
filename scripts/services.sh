#!/usr/bin/env bash
# Makes sure the servers the integration and interop tests use answer on loopback:
#   Redis    127.0.0.1:6379
#   RabbitMQ 127.0.0.1:5672 (guest/guest)
# Up: does nothing, prints nothing. Installed but down: starts it. Missing: installs it with apt
# when running as root, else fails saying what to install. Prints what it did.
#   bash scripts/services.sh                 # both
#   bash scripts/services.sh redis           # only one of them
#   bash scripts/services.sh rabbitmq
# It never stops or restarts a server that already answers.
set -euo pipefail
LOG_TAG=services
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# The ports can be overridden only so this script itself can be exercised on spare ports.
REDIS_PORT=${CELERITY_REDIS_PORT:-6379}
AMQP_PORT=${CELERITY_AMQP_PORT:-5672}
RABBIT_WAIT=${CELERITY_RABBITMQ_WAIT:-60}


# Probes use bash's /dev/tcp so they work before any client tool is installed.
redis_up() {
  local reply
  reply=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$REDIS_PORT && printf 'PING\r\n' >&3 && head -c 5 <&3" 2>/dev/null) || return 1
  [ "$reply" = "+PONG" ]
}

# A RabbitMQ that accepts the AMQP 0-9-1 header answers with a method frame (type 1, Connection.Start).
rabbitmq_up() {
  local first
  first=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$AMQP_PORT && printf 'AMQP\x00\x00\x09\x01' >&3 && head -c 1 <&3" 2>/dev/null | od -An -tx1 | tr -d ' \n') || return 1
  [ "$first" = "01" ]
}

wait_until() { # wait_until <seconds> <probe>
  local deadline=$((SECONDS + $1))
  while [ "$SECONDS" -lt "$deadline" ]; do
    "$2" && return 0
    sleep 0.5
  done
  "$2"
}


start_redis() {
  local dir=/var/lib/redis logdir=/var/log/redis
  # Without root the system dirs may not be writable; a private dir keeps the start working.
  if ! { mkdir -p "$dir" "$logdir" && [ -w "$dir" ] && [ -w "$logdir" ]; } 2>/dev/null; then
    dir=${TMPDIR:-/tmp}/celerity-redis
    logdir=$dir
    mkdir -p "$dir"
  fi
  local logfile=$logdir/ci.log
  log "starting redis-server on 127.0.0.1:$REDIS_PORT (log: $logfile)"
  # '-::1' binds IPv6 loopback only where it exists (Redis >= 7); older servers reject it, so retry without.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$dir" --logfile "$logfile" >&2 ||
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
      --dir "$dir" --logfile "$logfile" >&2 ||
    die "redis-server did not start; see $logfile"
  wait_until 10 redis_up || { tail -n 20 "$logfile" >&2 2>/dev/null || true; die "Redis does not answer on 127.0.0.1:$REDIS_PORT; see $logfile"; }
  log "Redis is up"
}

start_rabbitmq() {
  # The node is named rabbit@<short hostname>; a container whose name does not resolve cannot boot
  # it, so fall back to localhost unless a node name is configured.
  if [ -z "${RABBITMQ_NODENAME:-}" ] && ! grep -qs '^ *NODENAME=' /etc/rabbitmq/rabbitmq-env.conf &&
    ! getent hosts "$(hostname -s)" >/dev/null 2>&1; then
    export RABBITMQ_NODENAME=rabbit@localhost
    log "hostname $(hostname -s) does not resolve: using node name $RABBITMQ_NODENAME"
  fi
  log "starting rabbitmq-server (detached); waiting up to ${RABBIT_WAIT}s"
  # The Debian wrapper switches to the rabbitmq user itself when started as root.
  rabbitmq-server -detached >&2 || true
  if ! wait_until "$RABBIT_WAIT" rabbitmq_up; then
    local logdir=${RABBITMQ_LOG_BASE:-/var/log/rabbitmq} f
    for f in "$logdir/startup_err" "$logdir/startup_log" $(ls -t "$logdir"/*.log 2>/dev/null | head -n 1); do
      [ -s "$f" ] && { log "--- $f"; grep -E '\[(error|critical)\]' "$f" | head -n 3 | cut -c1-300 >&2 || tail -n 10 "$f" >&2; }
    done
    die "RabbitMQ does not answer on 127.0.0.1:$AMQP_PORT after ${RABBIT_WAIT}s; see $logdir/"
  fi
  log "RabbitMQ is up"
}

want_redis=0
want_rabbitmq=0
[ "$#" -eq 0 ] && set -- redis rabbitmq
for arg in "$@"; do
  case "$arg" in
    redis) want_redis=1 ;;
    rabbitmq | amqp) want_rabbitmq=1 ;;
    *) die "unknown service '$arg' (expected: redis, rabbitmq)" ;;
  esac
done

need_redis=0
need_rabbitmq=0
[ "$want_redis" = 1 ] && ! redis_up && need_redis=1
[ "$want_rabbitmq" = 1 ] && ! rabbitmq_up && need_rabbitmq=1
[ "$need_redis" = 0 ] && [ "$need_rabbitmq" = 0 ] && exit 0

# One apt transaction for whatever is missing.
missing=()
[ "$need_redis" = 1 ] && ! command -v redis-server >/dev/null 2>&1 && missing+=(redis-server)
[ "$need_rabbitmq" = 1 ] && ! command -v rabbitmq-server >/dev/null 2>&1 && missing+=(rabbitmq-server)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi

# A package's postinst may have started the server already; only start what still does not answer.
if [ "$need_redis" = 1 ]; then
  if redis_up; then log "Redis is up"; else start_redis; fi
fi
if [ "$need_rabbitmq" = 1 ]; then
  if rabbitmq_up; then log "RabbitMQ is up"; else start_rabbitmq; fi
fi
