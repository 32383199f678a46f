#!/usr/bin/env bash
# The daemon's footprint against the fake Azure: resident memory and CPU time after a number
# of poll cycles, with N assignments at "/" (default 200, listed 100 per page).
# usage: bench/footprint.sh BUILD_DIR [ASSIGNMENTS] [SECONDS]
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [ASSIGNMENTS] [SECONDS]}
count=${2:-200}
duration=${3:-20}
work=$(mktemp -d /tmp/rootwatch-footprint.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT
tenant=8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14
client=5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58
echo -n "bench-secret-$(date +%s)" >"$work/secret"
{
  printf '{"tenant_id":"%s","apps":[{"client_id":"%s","client_secret":"%s","object_id":"c3e1f9a2-4b6d-4e8f-a1c3-5d7e9f0b2a46","display_name":"bench"}],"assignments":[' \
    "$tenant" "$client" "$(cat "$work/secret")"
  for i in $(seq 1 "$count"); do
    [ "$i" -gt 1 ] && printf ','
    printf '{"role":"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9","principal_id":"%08x-1111-4111-8111-111111111111"}' "$i"
  done
  printf ']}'
} >"$work/seed.json"
"$build/tests/fake/rootwatch-fake" --dir "$work/fake" --seed "$work/seed.json" >"$work/fake.log" 2>&1 &
for _ in $(seq 1 100); do [ -f "$work/fake/endpoints.json" ] && break; sleep 0.1; done
azure=$(grep -o '"azure": *"[^"]*"' "$work/fake/endpoints.json" | sed 's/.*"\(https[^"]*\)"/\1/')
curl -sS --fail --cacert "$work/fake/ca.pem" -X POST "$azure/_fake/settings" -d "{\"page_size\": 100}" >/dev/null
cat >"$work/rootwatch.toml" <<TOML
[daemon]
state_dir = "$work/state"
listen = ""
log_level = "warn"
[tls]
ca_file = "$work/fake/ca.pem"
[[tenant]]
name = "bench"
tenant_id = "$tenant"
poll_interval = "1s"
baseline = "silent"
  [tenant.credential]
  kind = "client_secret"
  client_id = "$client"
  client_secret_file = "$work/secret"
  [tenant.endpoints]
  authority = "$azure"
  resource_manager = "$azure"
  graph = "$azure"
TOML
"$build/daemon/rootwatch" run --config "$work/rootwatch.toml" 2>"$work/rootwatch.log" &
pid=$!
sleep "$duration"
rss=$(awk '/VmRSS/{print $2}' "/proc/$pid/status")
hwm=$(awk '/VmHWM/{print $2}' "/proc/$pid/status")
ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat")
hz=$(getconf CLK_TCK)
cycles=$(grep -c "roleAssignments" "$work/fake.log" || true)
kill -TERM "$pid"
wait "$pid" || true
echo "assignments at /:        $count"
echo "list requests served:    $cycles (over ${duration}s, poll_interval 1s)"
echo "resident memory:         ${rss} KiB (peak ${hwm} KiB)"
echo "CPU time:                $(awk -v t="$ticks" -v h="$hz" 'BEGIN{printf "%.2f", t/h}') s in ${duration}s"
