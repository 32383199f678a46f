#!/usr/bin/env bash
# Runs inside a fresh Debian 12 container (tests/package/package_test.sh starts it). Installs the
# package the way an administrator would and checks what the package promises. Every check runs;
# the exit status says whether any failed.
# Environment: ROOTWATCH_DEB (the .deb), ROOTWATCH_VERSION (upstream version),
# ROOTWATCH_MAX_EXPOSURE (highest acceptable `systemd-analyze security` rating).
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive

failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
step() { echo "-- $*"; }

unit=/lib/systemd/system/rootwatch.service
config=/etc/rootwatch/rootwatch.toml
wants=/etc/systemd/system/multi-user.target.wants/rootwatch.service

apt-get update -qq || { echo "FAIL: apt-get update (is the Debian mirror reachable?)" >&2; exit 1; }

# A Debian 12 machine has systemd (and a maintainer script that enables the unit would do so
# here), and man-db: systemd-analyze verify looks up Documentation=man:rootwatch(8).
step "apt-get install systemd man-db"
apt-get install -y -qq --no-install-recommends systemd man-db >/tmp/apt-systemd.log 2>&1 \
  || { cat /tmp/apt-systemd.log; echo "FAIL: cannot install systemd" >&2; exit 1; }

step "dpkg -i, then apt-get -f install for the Depends"
# In a fresh root dpkg -i stops at the missing libraries; apt then installs them and finishes
# configuring the package.
dpkg -i "$ROOTWATCH_DEB" >/tmp/dpkg-i.log 2>&1 || true
apt-get -f install -y -qq --no-install-recommends >/tmp/apt-f.log 2>&1 || { cat /tmp/dpkg-i.log /tmp/apt-f.log; }
grep -qx "install ok installed" <<<"$(dpkg-query -W -f='${Status}\n' rootwatch)" || fail "rootwatch is not installed"

step "rootwatch --version"
version=$(rootwatch --version) || fail "rootwatch --version failed"
echo "$version"
[ "$version" = "rootwatch $ROOTWATCH_VERSION" ] || fail "--version says '$version', not 'rootwatch $ROOTWATCH_VERSION'"

step "rootwatch validate --config $config"
rootwatch validate --config "$config" || fail "the shipped configuration does not validate"

step "the package enables and starts nothing"
[ ! -e "$wants" ] || fail "the package enabled the unit ($wants exists)"
grep -qx "$config" /var/lib/dpkg/info/rootwatch.conffiles || fail "$config is not a conffile"
grep -q '^ExecStart=/usr/bin/rootwatch run --config /etc/rootwatch/rootwatch.toml$' "$unit" \
  || fail "ExecStart= of $unit: $(grep '^ExecStart=' "$unit")"
! grep -q /usr/local "$unit" || fail "$unit still names /usr/local: $(grep /usr/local "$unit")"
# systemd-analyze verify looks at ExecStart= only; ExecReload= runs /bin/kill, from procps.
for exe in $(sed -En 's/^Exec[A-Za-z]*=[-@:+!]*([^ ]+).*/\1/p' "$unit"); do
  [ -x "$exe" ] || command -v "$exe" >/dev/null || fail "the unit runs $exe, which is not installed"
done
grep -q '^\.TH ROOTWATCH 8' <<<"$(zcat /usr/share/man/man8/rootwatch.8.gz)" || fail "no rootwatch(8) man page"

step "systemd-analyze"
verify=$(systemd-analyze verify "$unit" 2>&1)
verify_status=$?
echo "${verify:-systemd-analyze verify: no complaint}"
[ "$verify_status" -eq 0 ] && [ -z "$verify" ] || fail "systemd-analyze verify $unit complains (status $verify_status)"
bash /pkg/unit_exposure.sh "$unit" "$ROOTWATCH_MAX_EXPOSURE" || fail "systemd-analyze security: see above"

step "remove keeps the state, purge deletes it"
# What the unit's DynamicUser=yes and StateDirectory=rootwatch leave behind, and an
# administrator's `systemctl enable`.
mkdir -p /var/lib/private/rootwatch
ln -s private/rootwatch /var/lib/rootwatch
echo state >/var/lib/private/rootwatch/rootwatch.db
systemctl enable rootwatch.service >/dev/null 2>&1 || fail "systemctl enable rootwatch"
[ -L "$wants" ] || fail "systemctl enable made no $wants"
dpkg --remove rootwatch >/tmp/remove.log 2>&1 || { cat /tmp/remove.log; fail "dpkg --remove"; }
[ ! -e /usr/bin/rootwatch ] || fail "/usr/bin/rootwatch is still there after remove"
[ -f /var/lib/rootwatch/rootwatch.db ] || fail "remove deleted the state in /var/lib/rootwatch"
[ -f "$config" ] || fail "remove deleted the conffile $config"
dpkg --purge rootwatch >/tmp/purge.log 2>&1 || { cat /tmp/purge.log; fail "dpkg --purge"; }
[ ! -e /var/lib/rootwatch ] && [ ! -L /var/lib/rootwatch ] || fail "purge left /var/lib/rootwatch"
[ ! -e /var/lib/private/rootwatch ] || fail "purge left /var/lib/private/rootwatch"
[ ! -e "$config" ] || fail "purge left $config"
[ ! -L "$wants" ] || fail "purge left the enablement link $wants"
dpkg-query -W rootwatch >/dev/null 2>&1 && fail "dpkg still knows rootwatch after purge"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed in the fresh root" >&2; exit 1; }
echo "all checks passed in the fresh root"
