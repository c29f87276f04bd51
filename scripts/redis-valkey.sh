#!/usr/bin/env bash
# Installs Debian trixie's redis-server (Redis 8.0) and valkey-server (Valkey 8.1) into the Celery
# 5.5 chroot that scripts/python-celery.sh builds, for the server matrix (scripts/matrix.sh starts
# them from it on free ports; nothing is started here). Fast and idempotent when they are there.
#   CELERITY_SKIP_CHROOT=1   skip (as python-celery.sh does)
#   CELERITY_CHROOT=DIR      where the chroot lives (default /var/cache/celerity/trixie)
set -euo pipefail
LOG_TAG=redis-valkey
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROOT=${CELERITY_CHROOT:-/var/cache/celerity/trixie}
BINARIES=(/usr/bin/redis-server /usr/bin/valkey-server)
PACKAGES=(redis-server valkey-server)

installed() {
  local binary
  for binary in "${BINARIES[@]}"; do [ -x "$CHROOT$binary" ] || return 1; done
}

install_chroot_servers() {
  installed && return 0
  is_root || die "installing ${PACKAGES[*]} into $CHROOT needs root"
  [ -x "$CHROOT/usr/bin/apt-get" ] || die "no chroot at $CHROOT; run scripts/python-celery.sh (as root) first"
  # The same lock python-celery.sh and rabbitmq4.sh take: one apt in the chroot at a time.
  exec 9>"$CHROOT.lock"
  flock 9
  installed && return 0
  # Installing must not try to start the packages' services inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"$CHROOT/usr/sbin/policy-rc.d"
  chmod +x "$CHROOT/usr/sbin/policy-rc.d"
  log "apt-get install ${PACKAGES[*]} in $CHROOT"
  chroot "$CHROOT" apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive chroot "$CHROOT" apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2
  installed || die "${PACKAGES[*]} installed but a binary of ${BINARIES[*]} is missing in $CHROOT"
}

if [ "${CELERITY_SKIP_CHROOT:-0}" = 1 ]; then
  log "skipped (CELERITY_SKIP_CHROOT=1)"
  exit 0
fi
install_chroot_servers
for package in "${PACKAGES[@]}"; do
  log "chroot $CHROOT: $package $(chroot "$CHROOT" dpkg-query -W -f='${Version}' "$package")"
done
