#!/usr/bin/env bash
# The demo: rootwatch against the bundled fake Azure, end to end, on loopback.
#   1. start the fake Azure (token endpoint + ARM) and a webhook receiver that checks signatures
#   2. start `rootwatch run`, polling every 2 s
#   3. a Global Administrator elevates access (POST .../elevateAccess): rootwatch must alert,
#      naming her and her IP address from the logs
#   4. the assignment at "/" is removed again: rootwatch must resolve the alert
#   5. she elevates and revokes within one poll interval, so no snapshot sees it: rootwatch
#      must still send elevation.event from the logs, naming her and her IP address
# usage: scripts/demo.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR}
rootwatch="$build/daemon/rootwatch"
fake="$build/tests/fake/rootwatch-fake"
for b in "$rootwatch" "$fake"; do
  [ -x "$b" ] || { echo "missing $b: build first" >&2; exit 1; }
done

work=$(mktemp -d /tmp/rootwatch-demo.XXXXXX)
fake_pid=""
rootwatch_pid=""
cleanup() {
  [ -n "$rootwatch_pid" ] && kill "$rootwatch_pid" 2>/dev/null || true
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
fail() {
  printf '\n\033[1;31mDEMO FAILED: %s\033[0m\n' "$*" >&2
  echo "--- rootwatch log ---" >&2; tail -n 30 "$work/rootwatch.log" >&2 || true
  echo "--- fake Azure and receiver log ---" >&2; tail -n 30 "$work/fake.log" >&2 || true
  exit 1
}
# wait_for FILE PATTERN SECONDS
wait_for() {
  local deadline=$((SECONDS + $3))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}
# The alerts of kinds matching KIND (a regular expression) among the JSON bodies the receiver
# printed, whole: the fake prints each body with its keys sorted, "{" and "}" at column 0.
alerts_of() {
  awk -v kind="$1" '/^\{/{buf=""; inb=1} inb{buf=buf $0 "\n"} /^\}/{if (inb && buf ~ ("\"kind\": \"" kind "\"")) printf "%s", buf; inb=0}'
}
json_field() { grep -o "\"$1\" *: *\"[^\"]*\"" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/'; }

started=$SECONDS
tenant_id=8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14
client_id=5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58
app_oid=c3e1f9a2-4b6d-4e8f-a1c3-5d7e9f0b2a46
alice_oid=a11ce000-1d2e-4f3a-8b5c-6d7e8f9a0b1c
alice_ip=198.51.100.23
head -c 24 /dev/urandom | base64 | tr -d '\n' >"$work/client-secret"
printf 'whsec_%s' "$(head -c 32 /dev/urandom | base64 | tr -d '\n')" >"$work/signing.key"
alice_password="elevate-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
chmod 600 "$work/client-secret" "$work/signing.key"
cat >"$work/seed.json" <<JSON
{
  "tenant_id": "$tenant_id",
  "apps": [{"client_id": "$client_id", "client_secret": "$(cat "$work/client-secret")",
            "object_id": "$app_oid", "display_name": "rootwatch (Reader at /)"}],
  "users": [{"upn": "alice@contoso.example", "password": "$alice_password",
             "object_id": "$alice_oid", "display_name": "Alice, Global Administrator",
             "ip": "$alice_ip"}]
}
JSON

say "1. Starting the fake Azure and a webhook receiver (HTTPS on 127.0.0.1, throw-away CA)"
"$fake" --dir "$work/fake" --seed "$work/seed.json" --receiver-secret-file "$work/signing.key" >"$work/fake.log" 2>&1 &
fake_pid=$!
wait_for "$work/fake/endpoints.json" '"receiver"' 15 || fail "the fake Azure did not start"
azure=$(json_field azure <"$work/fake/endpoints.json")
receiver=$(json_field receiver <"$work/fake/endpoints.json")
echo "   fake Azure:  $azure   (token endpoint, ARM, Resource Graph, Activity Log, Microsoft Graph)"
echo "   receiver:    $receiver (verifies Standard Webhooks signatures)"

cat >"$work/rootwatch.toml" <<TOML
[daemon]
state_dir = "$work/state"
listen    = ""
log_level = "info"

[tls]
ca_file = "$work/fake/ca.pem"

[[tenant]]
name          = "contoso"
tenant_id     = "$tenant_id"
poll_interval = "2s"
sources       = ["arm", "resource_graph", "activity_log", "entra_audit"]
baseline      = "alert"

  [tenant.credential]
  kind               = "client_secret"
  client_id          = "$client_id"
  client_secret_file = "$work/client-secret"

  [tenant.endpoints]
  authority        = "$azure"
  resource_manager = "$azure"
  graph            = "$azure"

[[rule]]
name     = "anything-at-root"
scopes   = ["/"]
roles    = ["*"]
severity = "critical"

[[sink]]
name   = "demo-receiver"
kind   = "webhook"
url    = "$receiver"
format = "rootwatch"
signing_secret_file = "$work/signing.key"
retry_initial_backoff = "1s"
TOML

say "2. Starting rootwatch (config: $work/rootwatch.toml)"
"$rootwatch" validate --config "$work/rootwatch.toml"
"$rootwatch" run --config "$work/rootwatch.toml" >"$work/rootwatch.log" 2>&1 &
rootwatch_pid=$!
wait_for "$work/fake.log" "roleAssignments" 20 || fail "rootwatch did not poll the fake Azure"
echo "   every 2 s rootwatch lists the role assignments at \"/\" (ARM, and Resource Graph as a second"
echo "   opinion) and reads the directory Activity Log and the Entra audit log since its last read;"
echo "   nothing is assigned at \"/\" yet, so nothing is sent."
sleep 2

say "3. Alice, a Global Administrator, elevates access (User Access Administrator at \"/\")"
curl_azure() { curl -sS --fail-with-body --cacert "$work/fake/ca.pem" "$@"; }
token=$(curl_azure -X POST "$azure/$tenant_id/oauth2/v2.0/token" \
  --data-urlencode grant_type=password --data-urlencode "client_id=$client_id" \
  --data-urlencode username=alice@contoso.example --data-urlencode "password=$alice_password" \
  --data-urlencode "scope=$azure/.default" | json_field access_token)
[ -n "$token" ] || fail "Alice could not sign in to the fake Azure"
curl_azure -X POST -H "Authorization: Bearer $token" -d '' \
  "$azure/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01" >/dev/null
elevated_at=$SECONDS
echo "   POST /providers/Microsoft.Authorization/elevateAccess -> 200"
wait_for "$work/fake.log" "assignment.created" 30 || fail "no assignment.created alert reached the receiver"
echo "   rootwatch detected it and the receiver got, within $((SECONDS - elevated_at)) s:"
awk '/assignment.created/{found=1} found{print "   | " $0; if (++n == 40) exit}' "$work/fake.log"
alerts_of 'assignment[.]created' <"$work/fake.log" | grep -q "$alice_ip" ||
  wait_for "$work/fake.log" '"kind": "elevation.event"' 20 ||
  fail "neither the created alert nor an elevation.event named who elevated"

say "4. The assignment at \"/\" is removed again"
list=$(curl_azure -H "Authorization: Bearer $token" \
  "$azure/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&\$filter=atScope()")
assignment=$(printf '%s' "$list" | json_field name)
[ -n "$assignment" ] || fail "the elevated assignment is not in the fake Azure"
curl_azure -X DELETE -H "Authorization: Bearer $token" \
  "$azure/providers/Microsoft.Authorization/roleAssignments/$assignment?api-version=2022-04-01" >/dev/null
removed_at=$SECONDS
echo "   DELETE /providers/Microsoft.Authorization/roleAssignments/$assignment -> 200"
wait_for "$work/fake.log" "assignment.removed" 30 || fail "no assignment.removed alert reached the receiver"
echo "   rootwatch resolved the alert within $((SECONDS - removed_at)) s:"
awk '/assignment.removed/{found=1} found{print "   | " $0; if (++n == 12) exit}' "$work/fake.log"

say "5. Alice elevates and revokes again, within one poll interval (2 s)"
mark=$(wc -l <"$work/fake.log")
flash_started=$(date +%s%N)
curl_azure -X POST -H "Authorization: Bearer $token" -d '' \
  "$azure/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01" >/dev/null
list=$(curl_azure -H "Authorization: Bearer $token" \
  "$azure/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&\$filter=atScope()")
assignment=$(printf '%s' "$list" | json_field name)
[ -n "$assignment" ] || fail "the second elevation is not in the fake Azure"
curl_azure -X DELETE -H "Authorization: Bearer $token" \
  "$azure/providers/Microsoft.Authorization/roleAssignments/$assignment?api-version=2022-04-01" >/dev/null
flash_ms=$((($(date +%s%N) - flash_started) / 1000000))
echo "   POST elevateAccess, then DELETE of the new assignment, $flash_ms ms apart: between two polls."
flash_at=$SECONDS
after_mark() { tail -n +"$((mark + 1))" "$work/fake.log"; }
deadline=$((SECONDS + 30))
until after_mark | alerts_of 'elevation[.]event' | grep -q '"detail": ".*elevated access'; do
  [ $SECONDS -lt $deadline ] || fail "no elevation.event about the elevate-and-revoke reached the receiver"
  sleep 0.2
done
event=$(after_mark | alerts_of 'elevation[.]event')
printf '%s\n' "$event" | grep -q "alice@contoso.example" || fail "the elevation.event does not name alice"
printf '%s\n' "$event" | grep -q "$alice_ip" || fail "the elevation.event does not name alice's IP address"
echo "   within $((SECONDS - flash_at)) s the receiver got elevation.event:"
printf '%s\n' "$event" | grep -E '"(kind|detail|upn|ip|source|event_id)"' | head -n 16 | sed 's/^/   | /'
echo "   No listing ever showed that assignment: the directory Activity Log and the Entra audit log"
echo "   recorded alice@contoso.example elevating from $alice_ip and revoking it, and rootwatch"
echo "   reported both, each event once, with the log records as evidence."

say "6. Stopping rootwatch (SIGTERM)"
kill -TERM "$rootwatch_pid"
code=0
wait "$rootwatch_pid" || code=$?
rootwatch_pid=""
[ "$code" -eq 0 ] || fail "rootwatch exited with $code"
echo "   rootwatch stopped cleanly (exit 0). Its log:"
sed 's/^/   | /' "$work/rootwatch.log" | tail -n 15
signed=$(grep -c "signature verified" "$work/fake.log" || true)
[ "$signed" -ge 2 ] || fail "the receiver did not verify the signatures of both alerts"
# The correlation keys of the first elevation's created and removed alerts.
keys=$(alerts_of 'assignment[.](created|removed)' <"$work/fake.log" | grep '^  "correlation_key"' | sort -u | wc -l)
[ "$keys" -eq 1 ] || fail "created and removed alerts do not share one correlation_key"

say "Done in $((SECONDS - started)) s."
echo "An elevation to User Access Administrator at \"/\" was detected and delivered as a signed"
echo "assignment.created alert; its removal was delivered as assignment.removed with the same"
echo "correlation_key. An elevate-and-revoke inside one poll interval, which no snapshot saw, was"
echo "delivered as elevation.event naming alice@contoso.example and $alice_ip. The receiver"
echo "verified $signed Standard Webhooks signatures. Files: $work"
