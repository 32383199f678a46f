"""The peer rootwatch is compared with: a poller on Microsoft's Azure SDK for Python.

Run by bench/bench.py under Debian's /usr/bin/python3 with python3-azure. It lists the role
assignments at "/" with atScope() every cycle and diffs them in memory, as people write it.
Token acquisition is not what is compared, so the credential hands out one token it was given.
It prints its own CPU time (utime + stime from /proc/self/stat) after the warm-up cycles and
after the measured ones, one JSON line each, and nothing else on stdout.
"""

import argparse
import json
import os
import sys
import time

from azure.core.credentials import AccessToken
from azure.mgmt.authorization import AuthorizationManagementClient


class static_token:
    """A credential that returns one token, valid for an hour from now."""

    def __init__(self, token):
        self.token_ = token

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self.token_, int(time.time()) + 3600)


def cpu_seconds():
    # Fields 14 and 15 (utime, stime) after the command name, which may hold spaces.
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_cycle(client, previous):
    current = {}
    for a in client.role_assignments.list_for_scope(scope="/", filter="atScope()"):
        current[a.id] = (a.scope, a.role_definition_id, a.principal_id)
    added = [k for k in current if k not in previous]
    removed = [k for k in previous if k not in current]
    return current, len(added), len(removed)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--base-url", required=True)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--cycles", type=int, default=100)
    p.add_argument("--interval", type=float, default=0.25)
    args = p.parse_args()
    token = os.environ["BENCH_ARM_TOKEN"]
    client = AuthorizationManagementClient(
        static_token(token), "00000000-0000-0000-0000-000000000000", base_url=args.base_url
    )
    state = {}
    seen = 0
    for i in range(args.warmup + args.cycles):
        if i == args.warmup:
            print(json.dumps({"mark": "warm", "cpu": cpu_seconds(), "wall": time.monotonic()}), flush=True)
        state, added, _ = one_cycle(client, state)
        seen += added
        time.sleep(args.interval)
    print(
        json.dumps({"mark": "done", "cpu": cpu_seconds(), "wall": time.monotonic(), "assignments": len(state)}),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
