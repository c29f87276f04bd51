#!/usr/bin/env bash
# Installs Debian trixie's rabbitmq-server (RabbitMQ 4.0) into the Celery 5.5 chroot that
# scripts/python-celery.sh builds, for tests/integration/rabbitmq4.int.test.ts (which starts its own
# node from it on free ports; nothing is started here). Fast and idempotent when it is there.
#   CELERITY_SKIP_CHROOT=1   skip (as python-celery.sh does)
#   CELERITY_CHROOT=DIR      where the chroot lives (default /var/cache/celerity/trixie)
set -euo pipefail
LOG_TAG=rabbitmq4
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROOT=${CELERITY_CHROOT:-/var/cache/celerity/trixie}
BINARY=/usr/lib/rabbitmq/bin/rabbitmq-server

install_chroot_rabbitmq() {
  [ -x "$CHROOT$BINARY" ] && return 0
  is_root || die "installing rabbitmq-server into $CHROOT needs root"
  [ -x "$CHROOT/usr/bin/apt-get" ] || die "no chroot at $CHROOT; run scripts/python-celery.sh (as root) first"
  exec 9>"$CHROOT.lock"
  flock 9
  [ -x "$CHROOT$BINARY" ] && return 0
  # Installing must not try to start the package's service inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$CHROOT/usr/sbin/policy-rc.d"
  chmod +x "$CHROOT/usr/sbin/policy-rc.d"
  log "apt-get install rabbitmq-server in $CHROOT"
  chroot "$CHROOT" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive chroot "$CHROOT" apt-get install -y -qq --no-install-recommends rabbitmq-server >&2
  [ -x "$CHROOT$BINARY" ] || die "rabbitmq-server installed but $CHROOT$BINARY is missing"
}

if [ "${CELERITY_SKIP_CHROOT:-0}" = 1 ]; then
  log "skipped (CELERITY_SKIP_CHROOT=1)"
  exit 0
fi
install_chroot_rabbitmq
log "chroot $CHROOT: rabbitmq-server $(chroot "$CHROOT" dpkg-query -W -f='${Version}' rabbitmq-server)"
