#!/usr/bin/env bash
# The Debian package, checked for real (issue 8):
#   tests/package/package_test.sh DEB path/to/rootwatch_<version>_<arch>.deb
# On this machine: the package's fields and files, and lintian (no error, no warning that the
# package does not override with a reason). Then, in a fresh Debian 12 container, what
# tests/package/in_fresh_root.sh checks: install with dpkg -i, --version, validate on the shipped
# configuration, systemd-analyze verify and security (exposure at most 1.5), remove and purge.
#
# Exit 77 (skipped) where podman or runc is missing.
# Environment: ROOTWATCH_TEST_BASE_IMAGE (default localhost/debian:bookworm-slim),
# ROOTWATCH_MAX_EXPOSURE (default 1.5).
set -euo pipefail
# runc lives in /usr/sbin, which a non-root PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

here=$(cd "$(dirname "$0")" && pwd)
[ "${1:-}" = DEB ] && [ $# -eq 2 ] || { echo "usage: $0 DEB FILE.deb" >&2; exit 2; }
deb=$(realpath -m "$2")
image=${ROOTWATCH_TEST_BASE_IMAGE:-localhost/debian:bookworm-slim}
max_exposure=${ROOTWATCH_MAX_EXPOSURE:-1.5}
have_podman() { command -v podman >/dev/null && command -v runc >/dev/null; }
if [ ! -f "$deb" ]; then
  # The .deb comes from the container image's build stage; without podman there is none.
  have_podman || { echo "SKIP: no package at $deb, and podman and runc, which build it, are missing" >&2; exit 77; }
  "$here/../container/podman.sh" usable || exit $?
  echo "FAIL: no package at $deb" >&2
  exit 1
fi

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

echo "== package: $deb ($(stat -c %s "$deb") bytes)"
field() { dpkg-deb --field "$deb" "$1"; }
dpkg-deb --info "$deb" | sed -n '/^ Package:/,$p'
[ "$(field Package)" = rootwatch ] || fail "Package is '$(field Package)', not rootwatch"
[ "$(field Section)" = admin ] || fail "Section is '$(field Section)', not admin"
[ "$(field Priority)" = optional ] || fail "Priority is '$(field Priority)', not optional"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture is '$(field Architecture)'"
depends=$(field Depends)
depends_names=$(sed -e 's/ ([^)]*)//g' -e 's/, /\n/g' <<<"$depends")
for lib in libc6 libssl3 libsqlite3-0 libsystemd0 libstdc++6 procps; do
  grep -qxF "$lib" <<<"$depends_names" || fail "Depends lacks $lib: $depends"
done
case "$(basename "$deb")" in
  rootwatch_"$(field Version)"_"$(field Architecture)".deb) ;;
  *) fail "file name $(basename "$deb") is not rootwatch_$(field Version)_$(field Architecture).deb" ;;
esac

# Files: the daemon alone in /usr/bin (no fake, test or demo binary), stripped; the unit at
# Debian 12's place; the configuration in /etc.
contents=$(dpkg-deb --contents "$deb" | awk '{print $1, $2, $6}')
for path in ./usr/bin/rootwatch ./lib/systemd/system/rootwatch.service ./etc/rootwatch/rootwatch.toml \
  ./usr/share/man/man8/rootwatch.8.gz ./usr/share/doc/rootwatch/copyright \
  ./usr/share/doc/rootwatch/changelog.Debian.gz ./usr/share/doc/rootwatch/examples/rootwatch.example.toml \
  ./usr/share/lintian/overrides/rootwatch; do
  grep -q " $path\$" <<<"$contents" || fail "the package lacks $path"
done
binaries=$(dpkg-deb --contents "$deb" | awk '$6 ~ /^\.\/usr\/bin\/./ {print $6}')
[ "$binaries" = ./usr/bin/rootwatch ] || fail "/usr/bin holds more than rootwatch: $binaries"
if [ -n "$(grep -v '^[-d]rw[-x]r-[-x]r-[-x] root/root ' <<<"$(dpkg-deb --contents "$deb")")" ]; then
  fail "files not root:root 0644/0755: $(grep -v '^[-d]rw[-x]r-[-x]r-[-x] root/root ' <<<"$(dpkg-deb --contents "$deb")")"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb --control "$deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/rootwatch/rootwatch.toml ] || fail "conffiles: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
  [ "$(stat -c %a "$work/control/$script")" = 755 ] || fail "$script is not mode 0755"
done
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" ./usr/bin/rootwatch
if grep -q '\.symtab' <<<"$(readelf -S "$work/usr/bin/rootwatch")"; then
  fail "/usr/bin/rootwatch is not stripped"
fi

echo "== lintian"
if ! command -v lintian >/dev/null; then
  fail "lintian is missing (Debian's package lintian; ./quickstart test installs it)"
elif ! lintian --fail-on error,warning --display-info "$deb"; then
  fail "lintian reports an error or a warning that packaging/lintian-overrides does not explain"
else
  echo "lintian: no error, no warning left; overridden, with the reasons:"
  # (--show-overrides also fails on what it shows: this run is for reading only.)
  lintian --show-overrides --display-level '>=warning' "$deb" | grep -E '^(N|O):' || true
fi

if ! have_podman; then
  echo "SKIP: podman and runc are needed for the fresh Debian 12 root (Debian's packages podman runc)" >&2
  [ "$failures" -eq 0 ] || exit 1
  exit 77
fi
# Podman as it works on our machines (runc, cgroupfs, no default ulimits), and the Debian 12
# base image made with debootstrap when it is missing: the container test's wrapper.
podman_run() { "$here/../container/podman.sh" "$@"; }
if [ "$image" = localhost/debian:bookworm-slim ]; then
  podman_run usable || { [ "$failures" -eq 0 ] || exit 1; exit 77; }
fi

echo "== fresh Debian 12 root ($image)"
mkdir "$work/pkg"
cp "$deb" "$work/pkg/"
cp "$here/in_fresh_root.sh" "$here/unit_exposure.sh" "$work/pkg/"
upstream_version=$(field Version)
upstream_version=${upstream_version%-*}
if ! podman_run run --rm --network=host --volume "$work/pkg:/pkg:ro" \
  --env ROOTWATCH_DEB="/pkg/$(basename "$deb")" --env ROOTWATCH_VERSION="$upstream_version" \
  --env ROOTWATCH_MAX_EXPOSURE="$max_exposure" "$image" bash /pkg/in_fresh_root.sh; then
  fail "checks in the fresh Debian 12 root"
fi

if [ "$failures" -ne 0 ]; then
  echo "== $failures check(s) failed" >&2
  exit 1
fi
echo "== package test passed"
