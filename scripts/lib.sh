# Shared by the setup scripts: logging with the script's tag, and an apt install that runs
# `apt-get update` once. Source it after setting LOG_TAG.
log() { printf '[%s] %s\n' "${LOG_TAG:-setup}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

apt_updated=0
apt_install() {
  is_root || die "cannot install $* without root: run 'sudo apt-get install -y $*' (Debian/Ubuntu), then this script again"
  command -v apt-get >/dev/null 2>&1 || die "no apt-get here: install $* with this system's package manager"
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    apt-get update -qq >&2
    apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}
