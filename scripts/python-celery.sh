#!/usr/bin/env bash
# Makes the two real Python Celery versions the interop tests run against available:
#   Celery 5.2  /usr/bin/python3 with Debian's python3-celery, -redis, -amqp, -msgpack (apt)
#   Celery 5.5  a Debian trixie chroot at ${CELERITY_CHROOT:-/var/cache/celerity/trixie} (debootstrap)
# Fast and idempotent when both are present; prints the versions found.
#   CELERITY_SKIP_CHROOT=1       skip the 5.5 chroot
#   CELERITY_CHROOT=DIR          where the chroot lives
#   CELERITY_DEBIAN_MIRROR=URL   mirror for debootstrap (default: debootstrap's own)
# The chroot is built in DIR.tmp and renamed when complete, so an interrupted run never leaves a
# half-built chroot behind at DIR; concurrent runs are serialised with a lock file.
set -euo pipefail
LOG_TAG=python-celery
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROOT=${CELERITY_CHROOT:-/var/cache/celerity/trixie}
PY=/usr/bin/python3
MODULES='import celery, redis, amqp, msgpack'
VERSIONS='import celery, kombu, redis, amqp, msgpack; print("celery %s (kombu %s, redis-py %s, py-amqp %s, msgpack %s)" % (celery.__version__, kombu.__version__, redis.__version__, amqp.__version__, ".".join(map(str, msgpack.version))))'
PACKAGES=(python3-celery python3-redis python3-amqp python3-msgpack)



# --- Celery 5.2 from the host's Debian -------------------------------------------------------
if ! "$PY" -c "$MODULES" >/dev/null 2>&1; then
  apt_install "${PACKAGES[@]}"
  "$PY" -c "$MODULES" || die "$PY still cannot import celery, redis, amqp and msgpack"
fi
log "5.2: $PY: $("$PY" -c "$VERSIONS")"

# --- Celery 5.5 in a Debian trixie chroot ----------------------------------------------------
if [ "${CELERITY_SKIP_CHROOT:-0}" = 1 ]; then
  log "5.5: skipped (CELERITY_SKIP_CHROOT=1)"
  exit 0
fi

chroot_ok() { [ -x "$1/usr/bin/python3" ] && chroot "$1" /usr/bin/python3 -c "$MODULES" >/dev/null 2>&1; }

if ! is_root; then
  # chroot(2) needs root, so without it the chroot can be neither built nor used.
  [ -x "$CHROOT/usr/bin/python3" ] && die "$CHROOT exists but using it needs root; run as root or set CELERITY_SKIP_CHROOT=1"
  die "building the Celery 5.5 chroot at $CHROOT needs root; run as root or set CELERITY_SKIP_CHROOT=1"
fi

if ! chroot_ok "$CHROOT"; then
  mkdir -p "$(dirname "$CHROOT")"
  exec 9>"$CHROOT.lock"
  if ! flock -n 9; then
    log "another run is building $CHROOT; waiting for it"
    flock 9
  fi
  # The other run may have finished it while we waited.
  if ! chroot_ok "$CHROOT"; then
    [ -e "$CHROOT" ] && die "$CHROOT exists but its python3 cannot import celery, redis, amqp and msgpack; remove it and run this again"
    command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
    tmp="$CHROOT.tmp"
    buildlog="$CHROOT.log"
    # We hold the lock, so a leftover DIR.tmp is from an interrupted run, never a live one.
    if [ -e "$tmp" ]; then
      log "removing the incomplete $tmp of an earlier run"
      # debootstrap mounts /proc and /sys inside its target; an interrupted run can leave them mounted.
      findmnt -rno TARGET 2>/dev/null | grep -F "$tmp/" | sort -r | while read -r m; do umount -l "$m" || true; done
      rm -rf --one-file-system "$tmp"
    fi
    log "debootstrap trixie into $tmp (about 2 min, ~285 MB; log: $buildlog)"
    include=$(IFS=,; echo "${PACKAGES[*]}")
    if ! debootstrap --variant=minbase --include="$include" trixie "$tmp" ${CELERITY_DEBIAN_MIRROR:+"$CELERITY_DEBIAN_MIRROR"} >"$buildlog" 2>&1; then
      tail -n 20 "$buildlog" >&2
      die "debootstrap failed; see $buildlog ($tmp is left for inspection and removed by the next run)"
    fi
    chroot_ok "$tmp" || die "the new chroot's python3 cannot import celery, redis, amqp and msgpack; see $buildlog"
    mv "$tmp" "$CHROOT"
    log "5.5: chroot ready at $CHROOT"
  fi
fi
log "5.5: chroot $CHROOT: $(chroot "$CHROOT" /usr/bin/python3 -c "$VERSIONS")"
