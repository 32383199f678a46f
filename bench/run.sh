#!/usr/bin/env bash
# rootwatch's CPU, memory, detection latency, delivery throughput and start-up against the fake
# Azure, beside the SDK poller and the cron-plus-CLI floor (issue 9). Prints a table and saves
# a copy under build/. Figures only: nothing here passes or fails on a number.
#
# usage: bench/run.sh BUILD_DIR [--quick] [--only matrix,target,sdk,floor,outage,az,latency,throughput,startup,growth,callgrind]
#   BUILD_DIR: a release build with rootwatch and rootwatch-fake (and https_floor for the floor part):
#     cmake --preset release && cmake --build --preset release -j2 --target rootwatch rootwatch-fake https_floor
#   --quick: 1 and 100 tenants x 0 and 200 assignments, 2 s latency interval (about 15 minutes);
#   without it: 1, 100, 1000 x 0, 10, 200 and a 10 s latency interval (about 45 minutes).
#   --tenants 1000 --assignments 0,200 --interval 60: other matrix rows (and --only to pick parts);
#   --sources arm,resource_graph,activity_log,entra_audit: the matrix's and callgrind's sources
#   (arm alone unless given; the "target" part always uses all four).
# The SDK peer needs Debian's python3-azure (apt-get install python3-azure) under /usr/bin/python3;
# the CLI floor needs azure-cli and is skipped with a message without it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: $0 BUILD_DIR [--quick] [--only PARTS]}
shift
for f in daemon/rootwatch tests/fake/rootwatch-fake; do
  [ -x "$build/$f" ] || { echo "$0: $build/$f is missing; build the release preset first" >&2; exit 2; }
done
exec /usr/bin/python3 "$here/bench.py" "$build" --source "$here/.." "$@"
