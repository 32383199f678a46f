#!/usr/bin/env bash
# The container image, for real: built with podman, then run against the fake Azure on the host
# network (tests/CMakeLists.txt -> tests/container/CMakeLists.txt registers both steps).
#
#   container_test.sh build SOURCE_DIR OUT_DIR
#       makes the Debian 12 base image if missing, builds the Dockerfile as $ROOTWATCH_IMAGE;
#       the build log goes to OUT_DIR/image-build.log, and the .deb of the build stage (the one
#       the image installed) to OUT_DIR/deb/ for the package test
#   container_test.sh run SOURCE_DIR OUT_DIR FAKE_BINARY
#       runs the image like compose.yaml does (read-only root, no capabilities, config, CA and
#       secrets mounted, state in a named volume) against rootwatch-fake, and checks: an
#       elevation is alerted, the process is not root, the HEALTHCHECK turns healthy, logs are
#       JSON, SIGTERM exits 0 within the grace period, `IMAGE --version` and `IMAGE validate`
#       work. Prints the image size (also OUT_DIR/image-size.txt).
#
# Exit 77 (skipped) when podman or runc is missing.
set -euo pipefail
# runc and debootstrap live in /usr/sbin, which a non-root PATH may lack.
PATH=$PATH:/usr/sbin:/sbin

mode=${1:?usage: $0 build|run SOURCE_DIR OUT_DIR [FAKE_BINARY]}
source_dir=$(cd "${2:?source dir}" && pwd)
out=${3:?output dir}
here=$(cd "$(dirname "$0")" && pwd)
image=${ROOTWATCH_IMAGE:-localhost/rootwatch:test}
base=localhost/debian:bookworm-slim
pm() { "$here/podman.sh" "$@"; }

if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  echo "SKIPPED: the container test needs podman and runc (apt-get install podman runc debootstrap)"
  exit 77
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

fail() {
  echo "FAILED: $*" >&2
  exit 1
}

build_image() {
  pm usable
  echo "== building $image from $source_dir/Dockerfile (log: $out/image-build.log)"
  local started=$SECONDS
  # Docker's image format: the OCI format has no HEALTHCHECK, and buildah would drop it.
  if ! pm build --format docker --build-arg BASE="$base" -t "$image" -f "$source_dir/Dockerfile" "$source_dir" \
    >"$out/image-build.log" 2>&1; then
    tail -n 40 "$out/image-build.log" >&2
    fail "the image did not build: see $out/image-build.log"
  fi
  echo "   built in $((SECONDS - started)) s"
  # The .deb the run stage installed, for the package test (tests/package): the build stage is
  # in podman's layer cache, so naming it as a target costs no second build.
  local cid
  pm build --format docker --build-arg BASE="$base" --target build -t "$image-build" -f "$source_dir/Dockerfile" \
    "$source_dir" >>"$out/image-build.log" 2>&1 || fail "the build stage is not in the cache: see $out/image-build.log"
  rm -rf "$out/deb"
  mkdir -p "$out/deb"
  cid=$(pm create "$image-build" true)
  pm cp "$cid:/out/." "$out/deb/" >/dev/null || { pm rm -f "$cid" >/dev/null; fail "no /out in the build stage"; }
  pm rm -f "$cid" >/dev/null
  ls "$out"/deb/rootwatch_*.deb >/dev/null 2>&1 || fail "the build stage made no rootwatch_*.deb"
  echo "   package: $(cd "$out/deb" && ls rootwatch_*.deb)"
}

# wait_for SECONDS COMMAND...: polls every half second.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}

# A loopback port nobody listens on (the container shares the host's network, and so do the
# other tests running beside this one).
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  fail "no free port found"
}

json_field() { grep -o "\"$1\" *: *\"[^\"]*\"" | head -n 1 | sed 's/.*: *"\(.*\)"/\1/'; }

run_checks() {
  local fake=${4:?fake binary}
  [ -x "$fake" ] || fail "missing $fake: build rootwatch-fake first"
  command -v curl >/dev/null || fail "curl is needed to drive the fake Azure"
  # ctest runs this even when the image fixture was skipped: skip too, for the same reason.
  pm usable
  pm image exists "$image" || fail "no image $image: the rootwatch_image fixture (container_image) builds it"

  # Globals, not locals: the EXIT trap runs after this function has returned.
  work=$(mktemp -d "$out/run.XXXXXX")
  name="rootwatch-test-$$"
  volume="rootwatch-test-state-$$"
  fake_pid=""
  cleanup() {
    pm logs "$name" >"$work/container.log" 2>&1 || true
    pm rm -f -t 0 "$name" >/dev/null 2>&1 || true
    pm volume rm -f "$volume" >/dev/null 2>&1 || true
    [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
    wait 2>/dev/null || true
  }
  trap cleanup EXIT

  local tenant_id=8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14
  local client_id=5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58
  head -c 24 /dev/urandom | base64 | tr -d '\n' >"$work/client-secret"
  printf 'whsec_%s' "$(head -c 32 /dev/urandom | base64 | tr -d '\n')" >"$work/signing.key"
  cat >"$work/seed.json" <<JSON
{"tenant_id": "$tenant_id",
 "apps": [{"client_id": "$client_id", "client_secret": "$(cat "$work/client-secret")",
           "object_id": "c3e1f9a2-4b6d-4e8f-a1c3-5d7e9f0b2a46", "display_name": "rootwatch"}]}
JSON

  echo "== starting the fake Azure on the host"
  "$fake" --dir "$work/fake" --seed "$work/seed.json" --receiver-secret-file "$work/signing.key" \
    >"$work/fake.log" 2>&1 &
  fake_pid=$!
  wait_for 20 grep -q '"receiver"' "$work/fake/endpoints.json" || fail "the fake Azure did not start"
  local azure receiver port
  azure=$(json_field azure <"$work/fake/endpoints.json")
  receiver=$(json_field receiver <"$work/fake/endpoints.json")
  port=$(free_port)

  # Paths as the container sees them. The secrets are throw-away; the container's user (not
  # root) must be able to read the mounted files.
  cat >"$work/rootwatch.toml" <<TOML
[daemon]
state_dir      = "/var/lib/rootwatch"
listen         = "127.0.0.1:$port"
shutdown_grace = "10s"

[tls]
ca_file = "/etc/rootwatch/fake-ca.pem"

[[tenant]]
name          = "contoso"
tenant_id     = "$tenant_id"
poll_interval = "2s"
sources       = ["arm"]

  [tenant.credential]
  kind               = "client_secret"
  client_id          = "$client_id"
  client_secret_file = "/run/secrets/client-secret"

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
name   = "receiver"
kind   = "webhook"
url    = "$receiver"
signing_secret_file   = "/run/secrets/signing-key"
retry_initial_backoff = "1s"
TOML
  chmod 0644 "$work/rootwatch.toml" "$work/client-secret" "$work/signing.key" "$work/fake/ca.pem"
  local mounts=(
    -v "$work/rootwatch.toml:/etc/rootwatch/rootwatch.toml:ro"
    -v "$work/fake/ca.pem:/etc/rootwatch/fake-ca.pem:ro"
    -v "$work/client-secret:/run/secrets/client-secret:ro"
    -v "$work/signing.key:/run/secrets/signing-key:ro"
  )

  echo "== $image --version, and validate on the mounted config"
  local version
  version=$(pm run --rm "$image" --version) || fail "$image --version failed"
  echo "   $version"
  [[ "$version" == rootwatch\ * ]] || fail "--version printed '$version'"
  pm run --rm --network=host "${mounts[@]}" "$image" validate --config /etc/rootwatch/rootwatch.toml \
    || fail "validate failed on the mounted config"

  echo "== running the container (host network, read-only root, no capabilities, state in volume $volume)"
  pm volume create "$volume" >/dev/null
  # Without systemd, podman logs that it cannot add a timer for the HEALTHCHECK; the test runs
  # the check itself (podman healthcheck run), as a timer would.
  pm run -d --name "$name" --network=host --read-only --tmpfs /tmp --cap-drop=ALL \
    --security-opt=no-new-privileges "${mounts[@]}" -v "$volume:/var/lib/rootwatch" "$image" >/dev/null \
    || fail "the container did not start"
  wait_for 30 grep -q "roleAssignments" "$work/fake.log" \
    || { pm logs "$name" >&2; fail "rootwatch in the container did not poll the fake Azure"; }

  echo "== not root"
  local uid user
  uid=$(pm exec "$name" id -u) || fail "podman exec id -u failed"
  user=$(pm inspect --format '{{.Config.User}}' "$name")
  echo "   id -u: $uid, image user: $user"
  [ "$uid" != 0 ] || fail "the container runs as root"

  echo "== the HEALTHCHECK turns healthy (podman has no timer here: run it ourselves)"
  wait_for 60 pm healthcheck run "$name" || { pm logs "$name" >&2; fail "the health check never passed"; }
  local health
  health=$(pm inspect --format '{{.State.Health.Status}}' "$name" 2>/dev/null ||
    pm inspect --format '{{.State.Healthcheck.Status}}' "$name")
  echo "   health: $health"
  [ "$health" = healthy ] || fail "health is '$health', not healthy"

  echo "== an elevation at \"/\" is alerted"
  curl -sS --fail-with-body --cacert "$work/fake/ca.pem" -X POST "$azure/_fake/assignments" \
    -H 'Content-Type: application/json' \
    -d '{"role": "User Access Administrator", "principal_id": "a11ce000-1d2e-4f3a-8b5c-6d7e8f9a0b1c",
         "principal_type": "User", "scope": "/"}' >/dev/null || fail "cannot add an assignment to the fake"
  wait_for 60 grep -q '"kind": "assignment.created"' "$work/fake.log" \
    || { pm logs "$name" >&2; fail "no assignment.created reached the receiver"; }
  echo "   the receiver got assignment.created"
  grep -q "signature verified" "$work/fake.log" || fail "the alert's signature was not verified"

  echo "== logs are JSON (stderr is neither the journal nor a terminal)"
  # The daemon's first line: it logs to stderr, which podman logs replays on stderr; podman's own
  # messages start with time=. Read from a file: a pipe into head could cut podman off mid-write.
  local first="" tries
  for tries in $(seq 1 20); do
    pm logs "$name" >"$work/logs.now" 2>&1 || true
    first=$(grep -v -m 1 -e '^time=' -e '^$' "$work/logs.now" || true)
    [ -n "$first" ] && break
    sleep 0.5
  done
  echo "   $first"
  [[ "$first" == '{'* ]] || fail "the first log line is not JSON (after $tries reads): '$first'"

  echo "== SIGTERM: podman stop -t 20 (the config's shutdown_grace is 10s)"
  local stop_started=$SECONDS code
  pm stop -t 20 "$name" >/dev/null || fail "podman stop failed"
  code=$(pm inspect --format '{{.State.ExitCode}}' "$name")
  echo "   stopped in $((SECONDS - stop_started)) s, exit code $code"
  [ "$code" = 0 ] || { pm logs "$name" 2>&1 | tail -n 20 >&2; fail "exit code $code after SIGTERM"; }
  # Through a file: with pipefail, grep -q leaving early would fail podman with SIGPIPE.
  pm logs "$name" >"$work/logs.now" 2>&1 || true
  grep -q "received SIGTERM" "$work/logs.now" || fail "the daemon did not log the SIGTERM"

  local size
  size=$(pm image inspect --format '{{.Size}}' "$image")
  echo "$size" >"$out/image-size.txt"
  echo "== image $image: $size bytes ($((size / 1024 / 1024)) MiB); outputs in $work"
}

case "$mode" in
  build) build_image ;;
  run) run_checks "$@" ;;
  *) fail "unknown mode $mode" ;;
esac
echo "PASSED: container $mode"
