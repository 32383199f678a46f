#!/usr/bin/env bash
# Podman the way it runs on our CI machines and dev boxes: runc as the runtime, cgroupfs (no
# systemd to delegate cgroups to), and no default ulimits (raising them is not permitted in these
# sandboxes, and runc refuses to start a container otherwise). No image registry is reachable
# there, so the Debian 12 base image is made locally from Debian's packages with debootstrap.
#
#   podman.sh base            make localhost/debian:bookworm-slim unless it exists
#   podman.sh usable          base, then run a container from it; exit 77 when podman cannot
#   podman.sh build ARGS...   podman build --network=host ARGS... (RUN apt-get reaches the mirror)
#   podman.sh ARGS...         any other podman command, with the same settings
#
# Exit 77 (ctest's "skipped") when podman or runc is not installed.
set -euo pipefail
# runc and debootstrap live in /usr/sbin, which a non-root PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  echo "podman.sh: podman and runc are needed (apt-get install podman runc debootstrap)" >&2
  exit 77
fi

conf=${ROOTWATCH_PODMAN_CONF:-${TMPDIR:-/tmp}/rootwatch-podman.conf}
if [ ! -f "$conf" ]; then
  printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\n' >"$conf.$$"
  mv "$conf.$$" "$conf"
fi
pm() { CONTAINERS_CONF="$conf" podman --runtime runc "$@"; }

# The Debian mirror this machine's apt already uses, so that debootstrap needs nothing new.
debian_mirror() {
  {
    grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
  } | grep -E '/debian/?$' | head -n 1
  # grep fails on a glob that matched nothing (a machine with only sources.list): not an error.
  return 0
}

make_base() {
  local image=localhost/debian:bookworm-slim
  if pm image exists "$image"; then
    return
  fi
  command -v debootstrap >/dev/null || { echo "podman.sh: debootstrap is needed to make $image" >&2; exit 1; }
  local mirror root
  mirror=$(debian_mirror)
  mirror=${mirror:-http://deb.debian.org/debian}
  root=$(mktemp -d "${TMPDIR:-/tmp}/rootwatch-base.XXXXXX")
  echo "podman.sh: making $image with debootstrap from $mirror"
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1; then
    echo "podman.sh: debootstrap failed, see $root.log" >&2
    rm -rf "$root"
    exit 1
  fi
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  tar -C "$root" -c . | pm import - "$image" >/dev/null
  rm -rf "$root" "$root.log"
}

# Podman installed is not podman working: inside a chroot (no mount namespace of its own) it
# cannot mount a layer or start a container. Such a machine skips the container tests (exit 77),
# saying why; a machine where podman runs fails them on any other error.
usable() {
  local why
  if ! why=$(make_base 2>&1) || ! why=$(pm run --rm --network=host localhost/debian:bookworm-slim true 2>&1); then
    echo "SKIPPED: podman is installed but cannot run a container on this machine (a chroot?):" >&2
    tail -n 3 <<<"$why" >&2
    exit 77
  fi
}

case "${1:-}" in
  base) make_base ;;
  usable) usable ;;
  build)
    shift
    pm build --network=host "$@"
    ;;
  *) pm "$@" ;;
esac
