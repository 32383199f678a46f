#!/usr/bin/env bash
# The unit's exposure as `systemd-analyze security --offline=yes` rates it, against a ceiling:
#   tests/package/unit_exposure.sh UNIT_FILE [MAX]      (MAX defaults to 1.5)
# Exit 0 at or below MAX, 1 above it or when no rating comes out, 77 (skipped) without
# systemd-analyze. It reads the file only: no systemd needs to run, so it works on any machine,
# and the package test runs it again on the unit the .deb installed.
set -uo pipefail
unit=${1:?usage: $0 UNIT_FILE [MAX]}
max=${2:-1.5}
command -v systemd-analyze >/dev/null || { echo "SKIPPED: no systemd-analyze (Debian's package systemd)"; exit 77; }
security=$(systemd-analyze security --offline=yes "$unit" 2>&1)
tail -n 1 <<<"$security"
name=$(basename "$unit")
exposure=$(sed -n "s/.*Overall exposure level for ${name//./\\.}: \([0-9.]*\).*/\1/p" <<<"$security")
if [ -z "$exposure" ]; then
  echo "FAIL: no exposure level in: $security" >&2
  exit 1
fi
if ! awk -v e="$exposure" -v m="$max" 'BEGIN { exit !(e <= m) }'; then
  echo "FAIL: the unit's exposure level is $exposure, above $max" >&2
  exit 1
fi
echo "unit exposure level: $exposure (at most $max)"
