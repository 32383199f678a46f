"""rootwatch's cost against the fake Azure, and its peers', printed as a table (issue 9).

Figures, never assertions: nothing here fails on a number. Started by bench/run.sh; standard
library only, so any python3 runs it (the SDK peer runs under /usr/bin/python3, see
sdk_poller.py).

Every daemon is the release build, talking TLS to rootwatch-fake on loopback. N tenants are N
[[tenant]] tables with their own names and tenant ids and one credential: the fake mirrors its
seeded tenant for any tenant id (settings "mirror_tenants"), so each tenant has its own watcher,
token cache and row of state in the store, as N real tenants would.
"""

import argparse
import base64
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

TENANT_ID = "8d1f3a5c-7e42-4b19-9c60-2f5e8a7d3b14"
CLIENT_ID = "5b0c2a1e-9d34-4c7f-8e21-6a3f0b9d4c58"
USER_UPN = "alice@contoso.example"
UAA_ROLE = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
HZ = os.sysconf("SC_CLK_TCK")


def tenant_id(i):
    """The seeded tenant first, then GUIDs of the fake's mirrors of it."""
    return TENANT_ID if i == 0 else f"{TENANT_ID[:24]}{i:012x}"


def log(text):
    print(f"# {text}", file=sys.stderr, flush=True)


def wait_until(predicate, timeout, what, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def cpu_seconds(pid):
    """CPU time of every thread, to the nanosecond from schedstat: at one tenant a cycle is a
    twentieth of the 10 ms clock tick of /proc/PID/stat, which it falls back to."""
    try:
        total = 0
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        return total / 1e9
    except (OSError, ValueError, IndexError):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / HZ


def memory_kib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class fake_azure:
    """rootwatch-fake with its stdout read line by line, deliveries time-stamped on arrival."""

    def __init__(self, build, work, assignments, page_size, users=False):
        self.dir_ = os.path.join(work, "fake")
        self.secret_ = "bench-secret-" + os.urandom(8).hex()
        self.password_ = "elevate-" + os.urandom(6).hex()
        self.signing_key_path = os.path.join(work, "signing.key")
        self.client_secret_path = os.path.join(work, "client-secret")
        with open(self.signing_key_path, "w") as f:
            f.write("whsec_" + base64.b64encode(os.urandom(32)).decode())
        with open(self.client_secret_path, "w") as f:
            f.write(self.secret_)
        seed = {
            "tenant_id": TENANT_ID,
            "apps": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": self.secret_,
                    "object_id": "c3e1f9a2-4b6d-4e8f-a1c3-5d7e9f0b2a46",
                    "display_name": "bench",
                }
            ],
            "assignments": [
                {"role": UAA_ROLE, "principal_id": f"{i:08x}-1111-4111-8111-111111111111", "scope": "/"}
                for i in range(1, assignments + 1)
            ],
        }
        if users:
            seed["users"] = [
                {
                    "upn": USER_UPN,
                    "password": self.password_,
                    "object_id": "a11ce000-1d2e-4f3a-8b5c-6d7e8f9a0b1c",
                    "display_name": "Alice",
                }
            ]
        seed_path = os.path.join(work, "seed.json")
        with open(seed_path, "w") as f:
            json.dump(seed, f)
        self.lock_ = threading.Lock()
        self.deliveries_ = []  # (monotonic time, first line)
        self.proc_ = subprocess.Popen(
            [
                os.path.join(build, "tests/fake/rootwatch-fake"),
                "--dir",
                self.dir_,
                "--seed",
                seed_path,
                "--receiver-secret-file",
                self.signing_key_path,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.reader_ = threading.Thread(target=self.read_, daemon=True)
        self.reader_.start()
        endpoints = os.path.join(self.dir_, "endpoints.json")
        wait_until(lambda: os.path.exists(endpoints), 30, "the fake Azure to start")
        with open(endpoints) as f:
            e = json.load(f)
        self.azure = e["azure"]
        self.receiver = e["receiver"]
        self.ca = os.path.join(self.dir_, "ca.pem")
        self.tls_ = ssl.create_default_context(cafile=self.ca)
        # The fake's own ARM calls would fill its Activity Log with one event per poll: a real
        # tenant's log does not grow with how often it is read.
        self.call(
            "POST",
            "/_fake/settings",
            {
                "page_size": page_size,
                "mirror_tenants": True,
                "activity_log": {"record_calls": False},
                # Resource Graph's quota is per user and tenant; the fake has one for all of them.
                "graph": {"quota_limit": 1000000},
            },
        )

    def read_(self):
        for line in self.proc_.stdout:
            if line.startswith("receiver: "):
                now = time.monotonic()
                with self.lock_:
                    self.deliveries_.append((now, line.strip()))

    def deliveries(self):
        with self.lock_:
            return list(self.deliveries_)

    def call(self, method, path, body=None, token=None, form=None):
        data = None
        headers = {}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif method == "POST":
            data = b""
        if token:
            headers["Authorization"] = "Bearer " + token
        req = urllib.request.Request(self.azure + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(req, context=self.tls_, timeout=60) as r:
            text = r.read()
            return json.loads(text) if text else None

    def app_token(self):
        return self.call(
            "POST",
            f"/{TENANT_ID}/oauth2/v2.0/token",
            form={
                "grant_type": "client_credentials",
                "client_id": CLIENT_ID,
                "client_secret": self.secret_,
                "scope": self.azure + "/.default",
            },
        )["access_token"]

    def user_token(self):
        return self.call(
            "POST",
            f"/{TENANT_ID}/oauth2/v2.0/token",
            form={
                "grant_type": "password",
                "client_id": CLIENT_ID,
                "username": USER_UPN,
                "password": self.password_,
                "scope": self.azure + "/.default",
            },
        )["access_token"]

    def stop(self):
        self.proc_.send_signal(signal.SIGTERM)
        try:
            self.proc_.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc_.kill()
            self.proc_.wait()


class rootwatch:
    """The release daemon with N tenants on one fake; READY=1 read from its NOTIFY_SOCKET."""

    def __init__(
        self, build, work, fake, tenants, interval, baseline="silent", sink_url_file=None, extra="", sources=("arm",)
    ):
        self.port_ = free_port()
        self.config_ = os.path.join(work, "rootwatch.toml")
        with open(self.config_, "w") as f:
            f.write(
                self.config_text_(work, fake, tenants, interval, baseline, sink_url_file, extra, self.port_, sources)
            )
        self.notify_path_ = os.path.join(work, "notify.sock")
        self.notify_ = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify_.bind(self.notify_path_)
        self.ready_at = None
        env = dict(os.environ, NOTIFY_SOCKET=self.notify_path_)
        self.started_at = time.monotonic()
        self.proc_ = subprocess.Popen(
            self.command_(build),
            stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(work, "rootwatch.log"), "w"),
            env=env,
        )
        self.pid = self.proc_.pid
        threading.Thread(target=self.listen_, daemon=True).start()

    @staticmethod
    def config_text_(work, fake, tenants, interval, baseline, sink_url_file, extra, port, sources):
        out = [
            "[daemon]",
            f'state_dir = "{work}/state"',
            f'listen = "127.0.0.1:{port}"',
            'log_level = "warn"',
            "outbox_limit = 20000",
            "[tls]",
            f'ca_file = "{fake.ca}"',
        ]
        for i in range(tenants):
            out += [
                "[[tenant]]",
                f'name = "t{i:04d}"',
                f'tenant_id = "{tenant_id(i)}"',
                f'poll_interval = "{interval}s"',
                "sources = [" + ", ".join(f'"{x}"' for x in sources) + "]",
                f'baseline = "{baseline}"',
                'remind_every = "0s"',
                extra,
                "  [tenant.credential]",
                '  kind = "client_secret"',
                f'  client_id = "{CLIENT_ID}"',
                f'  client_secret_file = "{fake.client_secret_path}"',
                "  [tenant.endpoints]",
                f'  authority = "{fake.azure}"',
                f'  resource_manager = "{fake.azure}"',
                f'  graph = "{fake.azure}"',
            ]
        if sink_url_file:
            out += [
                "[[sink]]",
                'name = "bench"',
                'kind = "webhook"',
                f'url_file = "{sink_url_file}"',
                f'signing_secret_file = "{fake.signing_key_path}"',
                'retry_initial_backoff = "1s"',
                'retry_max_backoff = "1s"',
            ]
        return "\n".join(out) + "\n"

    def command_(self, build):
        return [os.path.join(build, "daemon/rootwatch"), "run", "--config", self.config_]

    def listen_(self):
        while True:
            try:
                data = self.notify_.recv(4096)
            except OSError:
                return
            if b"READY=1" in data and self.ready_at is None:
                self.ready_at = time.monotonic()

    def metrics(self):
        text = urllib.request.urlopen(f"http://127.0.0.1:{self.port_}/metrics", timeout=60).read().decode()
        return text

    def metric_sum(self, name, label_filter=""):
        total = 0.0
        for line in self.metrics().splitlines():
            if line.startswith(name) and (line[len(name)] in "{ ") and label_filter in line:
                total += float(line.rsplit(" ", 1)[1])
        return total

    def cycles(self):
        return self.metric_sum("rootwatch_cycles_total", 'result="ok"')

    def stop(self):
        self.proc_.send_signal(signal.SIGTERM)
        try:
            self.proc_.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc_.kill()
            self.proc_.wait()
        self.notify_.close()


def fresh_work(root, name):
    path = os.path.join(root, name)
    os.makedirs(path)
    return path


def run_daemon(build, work, fake, tenants, interval, **kw):
    d = rootwatch(build, work, fake, tenants, interval, **kw)

    def ready():
        if d.proc_.poll() is not None:
            raise RuntimeError(f"rootwatch exited with {d.proc_.returncode}; see {work}/rootwatch.log")
        return d.ready_at

    wait_until(ready, 120, "READY=1")
    return d


def matrix_row(build, root, n, m, interval, measure_s, warm_cycles, min_cycles, sources=("arm",)):
    work = fresh_work(root, f"matrix-{n}-{m}-{len(sources)}")
    fake = fake_azure(build, work, m, page_size=100)
    d = None
    try:
        d = run_daemon(build, work, fake, n, interval, sources=sources)
        startup = d.ready_at - d.started_at
        wait_until(lambda: d.cycles() >= n * warm_cycles, 120 + n * warm_cycles * 0.05, "warm-up cycles", step=0.5)
        c0 = d.cycles()
        cpu0 = cpu_seconds(d.pid)
        t0 = time.monotonic()
        # CPU time comes in clock ticks (10 ms): a window of at least min_cycles cycles.
        measure_s = max(measure_s, min_cycles * interval / n)
        time.sleep(measure_s)
        cpu1 = cpu_seconds(d.pid)
        t1 = time.monotonic()
        mem = memory_kib(d.pid)
        c1 = d.cycles()
        cycles = c1 - c0
        return {
            "n": n,
            "m": m,
            "interval": interval,
            "cycles": int(cycles),
            "wall": t1 - t0,
            "cpu": cpu1 - cpu0,
            "cpu_per_100": (cpu1 - cpu0) / cycles * 100 if cycles else float("nan"),
            "core_share": (cpu1 - cpu0) / (t1 - t0),
            "hwm": mem["VmHWM"],
            "rss": mem["VmRSS"],
            "startup": startup,
        }
    finally:
        if d:
            d.stop()
        fake.stop()


def azure_outage(build, root, n, interval, measure_s):
    """CPU while Azure refuses every connection (the fake stopped after READY): failed cycles
    must cost about what good ones do, never a retry storm."""
    work = fresh_work(root, f"outage-{n}")
    fake = fake_azure(build, work, 10, page_size=100)
    d = None
    try:
        d = run_daemon(build, work, fake, n, interval)
        wait_until(lambda: d.cycles() >= n, 120 + n * 0.05, "a first cycle of every tenant", step=0.5)
        fake.stop()
        time.sleep(min(interval, 10))
        cpu0 = cpu_seconds(d.pid)
        t0 = time.monotonic()
        time.sleep(measure_s)
        cpu1 = cpu_seconds(d.pid)
        t1 = time.monotonic()
        failed = d.metric_sum("rootwatch_cycles_total", 'result="failed"')
        return {"cpu": cpu1 - cpu0, "wall": t1 - t0, "failed": failed}
    finally:
        if d:
            d.stop()


def sdk_row(root, build, m, cycles, sdk_python):
    work = fresh_work(root, f"sdk-{m}")
    fake = fake_azure(build, work, m, page_size=100)
    try:
        env = dict(os.environ, BENCH_ARM_TOKEN=fake.app_token(), REQUESTS_CA_BUNDLE=fake.ca)
        here = os.path.dirname(os.path.abspath(__file__))
        p = subprocess.run(
            [sdk_python, os.path.join(here, "sdk_poller.py"), "--base-url", fake.azure, "--cycles", str(cycles)],
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if p.returncode != 0:
            return {"m": m, "error": p.stderr.strip().splitlines()[-1] if p.stderr.strip() else f"exit {p.returncode}"}
        marks = {j["mark"]: j for j in (json.loads(x) for x in p.stdout.splitlines() if x.startswith("{"))}
        cpu = marks["done"]["cpu"] - marks["warm"]["cpu"]
        return {"m": m, "cycles": cycles, "cpu_per_100": cpu / cycles * 100, "seen": marks["done"]["assignments"]}
    finally:
        fake.stop()


def floor_row(root, build, m, burst, wakes_per_second, seconds):
    """The least CPU a poll of m assignments at "/" costs here: bench/https_floor, plain OpenSSL
    over one kept-alive verified TLS connection, every page read and nothing parsed."""
    program = os.path.join(build, "bench/https_floor")
    if not os.access(program, os.X_OK):
        return {"error": f"{program} is missing (build the target https_floor)"}
    work = fresh_work(root, f"floor-{m}-{burst}")
    fake = fake_azure(build, work, m, page_size=100)
    try:
        env = dict(os.environ, BENCH_ARM_TOKEN=fake.app_token())
        p = subprocess.run(
            [program, "--base", fake.azure, "--ca", fake.ca, "--burst", str(burst), "--wakes-per-second",
             str(wakes_per_second), "--seconds", str(seconds)],
            env=env, capture_output=True, text=True, timeout=600,
        )
        if p.returncode != 0:
            return {"error": p.stderr.strip().splitlines()[0] if p.stderr.strip() else f"exit {p.returncode}"}
        return json.loads(p.stdout)
    finally:
        fake.stop()


def floor_instructions(root, build, m):
    """Instructions per poll of bench/https_floor under callgrind (5 polls a wake-up): two runs
    of different lengths, so that start-up (OpenSSL's set-up, the handshake) cancels out."""
    program = os.path.join(build, "bench/https_floor")
    if not shutil.which("valgrind") or not os.access(program, os.X_OK):
        return None
    work = fresh_work(root, f"floor-cg-{m}")
    fake = fake_azure(build, work, m, page_size=100)
    try:
        env = dict(os.environ, BENCH_ARM_TOKEN=fake.app_token())
        runs = []
        for seconds in (4, 8):
            out = os.path.join(work, f"callgrind.{seconds}")
            p = subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", program, "--base", fake.azure, "--ca",
                 fake.ca, "--burst", "5", "--wakes-per-second", "4", "--seconds", str(seconds), "--warmup-seconds", "1"],
                env=env, capture_output=True, text=True, timeout=600,
            )
            collected = re.search(r"Collected : (\d+)", p.stderr)
            if p.returncode != 0 or not collected:
                return None
            runs.append((int(collected.group(1)), json.loads(p.stdout)["polls"]))
        (i1, p1), (i2, p2) = runs
        return (i2 - i1) / (p2 - p1)
    finally:
        fake.stop()


def detection_latency(build, root, interval, elevations):
    work = fresh_work(root, "latency")
    fake = fake_azure(build, work, 0, page_size=100, users=True)
    url_file = os.path.join(work, "sink-url")
    with open(url_file, "w") as f:
        f.write(fake.receiver)
    d = None
    samples = []
    try:
        d = run_daemon(build, work, fake, 1, interval, baseline="alert", sink_url_file=url_file)
        wait_until(lambda: d.cycles() >= 2, 60, "two cycles")
        token = fake.user_token()
        app = fake.app_token()
        rng = random.Random(9)
        for _ in range(elevations):
            time.sleep(rng.uniform(0, interval))
            before = len(fake.deliveries())
            fake.call("POST", "/providers/Microsoft.Authorization/elevateAccess?api-version=2016-07-01", token=token)
            t0 = time.monotonic()
            hit = wait_until(
                lambda: next(
                    (
                        x
                        for x in fake.deliveries()[before:]
                        if "assignment.created" in x[1] and "signature verified" in x[1]
                    ),
                    None,
                ),
                interval * 3 + 30,
                "the signed assignment.created alert",
            )
            samples.append(hit[0] - t0)
            listing = fake.call(
                "GET",
                "/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()",
                token=app,
            )
            before = len(fake.deliveries())
            for a in listing["value"]:
                fake.call("DELETE", f"/_fake/assignments/{a['name']}")
            wait_until(
                lambda: any("assignment.removed" in x[1] or "RESOLVED" in x[1] for x in fake.deliveries()[before:]),
                interval * 3 + 30,
                "the removal alert",
            )
        return samples
    finally:
        if d:
            d.stop()
        fake.stop()


def percentile(values, q):
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(q / 100 * len(s) + 0.5)) - 1))
    return s[k]


def delivery_throughput(build, root, alerts, down_wait=20):
    """A backlog of alerts (baseline "alert" over that many assignments) while the sink's URL
    points at a closed port, then the URL file is switched to the receiver and the daemon
    reloaded (SIGHUP)."""
    work = fresh_work(root, "throughput")
    fake = fake_azure(build, work, alerts, page_size=1000)
    url_file = os.path.join(work, "sink-url")
    with open(url_file, "w") as f:
        f.write(f"https://127.0.0.1:{free_port()}/hook")
    d = None
    try:
        d = run_daemon(
            build,
            work,
            fake,
            1,
            3600,
            baseline="alert",
            sink_url_file=url_file,
            extra='cycle_timeout = "10m"\nrequest_timeout = "60s"',
        )
        wait_until(lambda: d.metric_sum("rootwatch_alerts_total") >= alerts, 900, f"{alerts} alerts queued", step=1)
        # What a sink that is down costs: the daemon's CPU over a wait with the backlog queued
        # and the receiver unreachable (the circuit breaker keeps it to one probe at a time).
        down0 = cpu_seconds(d.pid)
        time.sleep(down_wait)
        down_cpu = cpu_seconds(d.pid) - down0
        cpu0 = cpu_seconds(d.pid)
        t0 = time.monotonic()
        with open(url_file + ".tmp", "w") as f:
            f.write(fake.receiver)
        os.rename(url_file + ".tmp", url_file)
        # A sink's url_file is read again when it changed, at the next delivery; the reload
        # is kept (harmless) so that older builds are measured the same way.
        d.proc_.send_signal(signal.SIGHUP)
        signed = lambda: [x for x in fake.deliveries() if "signature verified" in x[1]]
        wait_until(lambda: len(signed()) >= alerts, 1800, f"{alerts} signed deliveries", step=0.5)
        got = signed()
        cpu1 = cpu_seconds(d.pid)
        first, last = got[0][0], got[alerts - 1][0]
        return {
            "alerts": alerts,
            "switch_to_last": last - t0,
            "first_to_last": last - first,
            "rate": alerts / (last - t0),
            "cpu": cpu1 - cpu0,
            "unsigned": len(fake.deliveries()) - len(got),
            "down_wait": down_wait,
            "down_cpu": down_cpu,
        }
    finally:
        if d:
            d.stop()
        fake.stop()


def memory_growth(build, root, tenants, checkpoints):
    """RSS at given total cycle counts, N tenants at a 1 s interval (1 s is the shortest allowed)."""
    work = fresh_work(root, "growth")
    fake = fake_azure(build, work, 10, page_size=100)
    d = None
    out = []
    try:
        d = run_daemon(build, work, fake, tenants, 1)
        for c in checkpoints:
            wait_until(lambda: d.cycles() >= c, c / tenants * 3 + 120, f"{c} cycles", step=1)
            mem = memory_kib(d.pid)
            out.append((int(d.cycles()), mem["VmRSS"], mem["VmHWM"]))
        return out
    finally:
        if d:
            d.stop()
        fake.stop()


class valgrind_rootwatch(rootwatch):
    """The daemon under callgrind, instrumenting nothing until told to: start-up and warm-up are
    left out, and instructions do not depend on how busy the shared machine is."""

    def __init__(self, out_file, *args, **kw):
        self.out_file_ = out_file
        super().__init__(*args, **kw)

    def command_(self, build):
        return [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={self.out_file_}",
        ] + super().command_(build)


def callgrind_cycles(build, root, m, cycles, sources=("arm",)):
    """Instructions per cycle (1 tenant, m assignments at "/", 1 s interval), and where they go."""
    if not shutil.which("valgrind"):
        return None
    work = fresh_work(root, f"callgrind-{m}-{len(sources)}")
    fake = fake_azure(build, work, m, page_size=100)
    out_file = os.path.join(work, "callgrind.out")
    d = valgrind_rootwatch(out_file, build, work, fake, 1, 1, sources=sources)
    try:
        wait_until(lambda: d.ready_at, 300, "READY=1 under valgrind")
        wait_until(lambda: d.cycles() >= 3, 300, "three cycles under valgrind", step=0.5)
        # The valgrind process is the daemon's pid: callgrind_control finds it by pid.
        c0 = d.cycles()
        subprocess.run(["callgrind_control", "--instr=on", str(d.pid)], check=True, capture_output=True)
        # Slept through, not polled: every scrape of /metrics would be counted as the cycles' own.
        time.sleep(cycles)
        subprocess.run(["callgrind_control", "--instr=off", str(d.pid)], check=True, capture_output=True)
        c1 = d.cycles()
        subprocess.run(["callgrind_control", "--dump", str(d.pid)], check=True, capture_output=True)
        time.sleep(1)
    finally:
        d.stop()
        fake.stop()
    dumps = sorted(f for f in os.listdir(work) if f.startswith("callgrind.out"))
    # The dump taken on request is the one with instructions in it; the last, at exit, is empty.
    best = None
    for f in dumps:
        text = subprocess.run(
            ["callgrind_annotate", "--inclusive=no", "--threshold=100", os.path.join(work, f)],
            capture_output=True,
            text=True,
        ).stdout
        total = parse_callgrind_total(text)
        if total and (best is None or total > best[0]):
            best = (total, text, os.path.join(work, f))
    if best is None:
        return None
    total, text, path = best
    inclusive = subprocess.run(
        ["callgrind_annotate", "--inclusive=yes", "--threshold=100", path], capture_output=True, text=True
    ).stdout
    return {"cycles": int(c1 - c0), "total": total, "per_cycle": total / (c1 - c0), "text": text,
            "inclusive": inclusive}


def parse_callgrind_total(text):
    for line in text.splitlines():
        # An empty dump (the one at exit) shows "." for its total.
        if "PROGRAM TOTALS" in line and line.split()[0] != ".":
            return int(line.split()[0].replace(",", ""))
    return None


def short_name(name):
    """A function name without its file prefix and template arguments, to fit a line."""
    name = name.split(":", 1)[1] if name.startswith(("???:", "./")) else name
    name = name.replace("json_abi_v3_11_2::", "").replace("std::__cxx11::", "std::")
    while True:
        shorter = re.sub(r"<[^<>]*>", "", name)
        if shorter == name:
            return name
        name = shorter


def callgrind_breakdown(text, top):
    """Self instructions by shared object, and the top functions, from callgrind_annotate."""
    by_object = {}
    functions = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*?)(?: \[(.*)\])?$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        ir = int(m.group(1).replace(",", ""))
        obj = os.path.basename(m.group(4) or "?")
        by_object[obj] = by_object.get(obj, 0) + ir
        functions.append((ir, short_name(m.group(3)), obj))
    return sorted(by_object.items(), key=lambda x: -x[1]), sorted(functions, key=lambda x: -x[0])[:top]


# Where a cycle's instructions go, by stage: the inclusive cost of the functions that are each
# stage's entry, summed (they do not call one another). Coroutine frames resume from the event
# loop, so the I/O path has no single entry: what is left is the event loop, Asio's handlers,
# the HTTP exchange around the TLS records, buffers, metrics and logs.
CALLGRIND_STAGES = (
    ("TLS records (SSL_read, SSL_write)", (r"^(\?\?\?:)?SSL_read$", r"^(\?\?\?:)?SSL_write$")),
    ("HTTP/1.1 answer parsing (Beast)", (r"boost::beast::http::basic_parser<false>::put\(",)),
    ("answer parsing (simdjson, JSON to values)", (r"rootwatch::azure::parse_\w+_page\(", r"rootwatch::azure::parse_directory_objects\(")),
    # The engine, the state compare and the store: everything after the answers are in.
    ("decide (engine, state, store)", (r"rootwatch::app::watcher::decide\(",)),
)


def callgrind_stages(inclusive, total):
    found = {}
    for line in inclusive.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*?)(?: \[(.*)\])?$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        name = m.group(3).split(":", 1)[1] if m.group(3).startswith(("???:", "./")) else m.group(3)
        name = re.sub(r"^[^ ]*\.(cpp|hpp|c|h|ipp):", "", name)
        ir = int(m.group(1).replace(",", ""))
        for label, patterns in CALLGRIND_STAGES:
            for pattern in patterns:
                # One line per function: the largest, if callgrind names it twice.
                if re.search(pattern, name):
                    found[(label, pattern)] = max(found.get((label, pattern), 0), ir)
    stages = []
    for label, patterns in CALLGRIND_STAGES:
        stages.append((label, sum(found.get((label, p), 0) for p in patterns)))
    stages.append(("the rest: event loop, handlers, HTTP exchange, buffers, metrics, logs",
                   max(0, total - sum(ir for _, ir in stages))))
    return stages


def startup_only(build, root, tenants):
    work = fresh_work(root, f"startup-{tenants}")
    fake = fake_azure(build, work, 0, page_size=100)
    d = None
    try:
        d = run_daemon(build, work, fake, tenants, 60)
        return d.ready_at - d.started_at
    finally:
        if d:
            d.stop()
        fake.stop()


def az_version():
    az = "/usr/bin/az"
    if not os.path.exists(az):
        return None
    t0 = time.monotonic()
    p = subprocess.Popen([az, "version"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "status": os.waitstatus_to_exitcode(status)}


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return os.cpu_count(), model


def main():
    # A stopped run still stops its daemons and fakes: the finally blocks run on SystemExit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--source", default=".")
    p.add_argument("--sdk-python", default="/usr/bin/python3")
    p.add_argument("--only", default="", help="comma list: matrix,target,sdk,floor,outage,az,latency,throughput,startup,growth,callgrind")
    p.add_argument("--tenants", default="", help="comma list overriding the matrix's tenant counts")
    p.add_argument("--assignments", default="", help="comma list overriding the matrix's assignments at /")
    p.add_argument("--interval", type=int, default=0, help="poll interval in seconds for every matrix row")
    p.add_argument("--sources", default="arm", help="comma list: the matrix's and callgrind's sources")
    args = p.parse_args()
    matrix_sources = tuple(filter(None, args.sources.split(",")))
    build = os.path.abspath(args.build)
    root = tempfile.mkdtemp(prefix="rootwatch-bench.")
    only = set(filter(None, args.only.split(",")))
    want = lambda part: not only or part in only

    if args.quick:
        ns, ms = (1, 100), (0, 200)
        measure_s, min_cycles, latency_interval, elevations = 20, 50, 2, 20
        growth_points, throughput_alerts = (100, 1000, 3000), 10000
    else:
        ns, ms = (1, 100, 1000), (0, 10, 200)
        measure_s, min_cycles, latency_interval, elevations = 60, 100, 10, 20
        growth_points, throughput_alerts = (100, 1000, 10000), 10000
    if args.tenants:
        ns = tuple(int(x) for x in args.tenants.split(","))
    if args.assignments:
        ms = tuple(int(x) for x in args.assignments.split(","))
    # 1 s is the shortest interval; 1000 tenants at 1 s would be 1000 cycles a second.
    interval_of = lambda n: args.interval or (1 if n <= 100 else 10)

    commit = subprocess.run(
        ["git", "-C", args.source, "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    cores, model = machine()
    lines = []

    def out(text=""):
        lines.append(text)
        print(text, flush=True)

    parts = "" if not only else ", only " + ",".join(sorted(only))
    if args.tenants or args.assignments or args.interval:
        parts += f", matrix tenants {ns} x at / {ms}, interval {args.interval or 'default'}"
    out(f"rootwatch bench ({'quick' if args.quick else 'full'}{parts}), commit {commit}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}")
    out(f"machine: {cores} cores, {model}; load average at start {os.getloadavg()[0]:.2f} (shared machine)")
    out(f"daemon: {build}/daemon/rootwatch (release), sources {list(matrix_sources)} unless said, ARM page size 100,"
        " TLS to the fake")
    out("")

    rows = []
    if want("matrix"):
        out("CPU and memory per tenants x assignments at \"/\" (a cycle = one tenant's poll)")
        out(f"{'tenants':>7} {'at /':>5} {'interval':>8} {'cycles':>7} {'CPU s/100 cycles':>16} {'ms/cycle':>9}"
            f" {'% of a core':>11} {'peak RSS':>9} {'steady RSS':>10} {'start-up':>9}")
        for n in ns:
            for m in ms:
                log(f"matrix {n} x {m}")
                r = matrix_row(build, root, n, m, interval_of(n), measure_s, 2, min_cycles, sources=matrix_sources)
                rows.append(r)
                out(f"{r['n']:>7} {r['m']:>5} {str(r['interval']) + ' s':>8} {r['cycles']:>7} {r['cpu_per_100']:>16.3f}"
                    f" {r['cpu_per_100'] * 10:>9.2f} {r['core_share'] * 100:>10.1f}% {r['hwm'] / 1024:>6.1f} MiB"
                    f" {r['rss'] / 1024:>6.1f} MiB {r['startup']:>7.2f} s")
        out(f"(measured over {measure_s} s or {min_cycles} cycles, whichever is longer, after every tenant had 2 cycles; CPU = every thread's run time from /proc/PID/task/*/schedstat;"
            " RSS = VmHWM / VmRSS at the end)")
        out("")

    if want("target"):
        # The scale target: 1,000 tenants every 60 s with every source rootwatch has.
        sources = ("arm", "resource_graph", "activity_log", "entra_audit")
        log("target 1000 tenants x 10 at /, every source, 60 s")
        r = matrix_row(build, root, 1000, 10, 60, 60, 2, 1000, sources=sources)
        out(f"1000 tenants, 10 at \"/\", sources {list(sources)}, every 60 s: {r['cycles']} cycles in {r['wall']:.0f} s,"
            f" {r['core_share'] * 100:.2f}% of a core (target < 2%), peak RSS {r['hwm'] / 1024:.1f} MiB, steady RSS"
            f" {r['rss'] / 1024:.1f} MiB (target < 48 MiB), {r['cpu_per_100'] * 10:.3f} ms of CPU per tenant cycle"
            f" (all four sources), start-up to READY {r['startup']:.2f} s")
        out("")

    sdk = {}
    if want("sdk"):
        out("Peer: SDK poller (/usr/bin/python3, python3-azure, AuthorizationManagementClient, list_for_scope('/',"
            " atScope()), diff in memory; 0.25 s between cycles, one tenant)")
        out(f"{'at /':>5} {'cycles':>7} {'CPU s/100 cycles':>16} {'ms/cycle':>9}   rootwatch / SDK per cycle")
        for m in ms:
            log(f"sdk {m}")
            s = sdk_row(root, build, m, 100 if args.quick else 200, args.sdk_python)
            if "error" in s:
                out(f"{m:>5}  SDK poller failed: {s['error']}")
                continue
            sdk[m] = s
            ratios = []
            for r in rows:
                if r["m"] == m and r["cycles"]:
                    ratios.append(f"N={r['n']}: {r['cpu_per_100'] / s['cpu_per_100']:.3f}"
                                  f" ({s['cpu_per_100'] / r['cpu_per_100']:.1f}x less)")
            out(f"{m:>5} {s['cycles']:>7} {s['cpu_per_100']:>16.3f} {s['cpu_per_100'] * 10:>9.2f}   {'; '.join(ratios)}  (SDK saw {s['seen']} at /)")
        out("")

    if want("floor"):
        # Not a peer: the bound under every poller. One poll per wake-up at the SDK poller's pace,
        # and 5 per wake-up as rootwatch's 250 ms grid groups 20 tenants at 1 s.
        out("Floor: bench/https_floor, the least CPU one poll costs on this machine (a timer wake-up, every page over a"
            " kept-alive verified TLS connection, nothing parsed, no event loop)")
        out(f"{'at /':>5} {'polls/wake':>10} {'ms/poll':>8}   SDK / floor (the most any poller can be below the SDK)"
            "   rootwatch / floor")
        for m in ms:
            for burst in (1, 5):
                log(f"floor {m} x {burst}")
                f = floor_row(root, build, m, burst, 4, 10 if args.quick else 20)
                if "error" in f:
                    out(f"{m:>5} {burst:>10}  floor not measured: {f['error']}")
                    continue
                text = f"{m:>5} {burst:>10} {f['ms_per_poll']:>8.4f}"
                if m in sdk:
                    text += f"   {sdk[m]['cpu_per_100'] * 10 / f['ms_per_poll']:.1f}x"
                # Against the row that wakes as rootwatch's grid does: 5 polls per wake-up.
                mine = [f"N={r['n']}: {r['cpu_per_100'] * 10 / f['ms_per_poll']:.1f}x the floor" for r in rows
                        if r["m"] == m and r["cycles"] and burst == 5]
                if mine:
                    text += "   " + "; ".join(mine)
                out(text)
            log(f"floor callgrind {m}")
            ir = floor_instructions(root, build, m)
            if ir is not None:
                out(f"{m:>5}   callgrind: {ir / 1e6:.3f} M instructions per poll (the callgrind part below gives"
                    " rootwatch's per cycle)")
        out("")

    if want("outage"):
        log("outage")
        o = azure_outage(build, root, 1000, 60, 60)
        out(f"Azure refusing every connection, 1000 tenants every 60 s: daemon CPU {o['cpu']:.2f} s over {o['wall']:.0f} s"
            f" ({o['cpu'] / o['wall'] * 100:.2f}% of a core); failed cycles so far {o['failed']:.0f}")
        out("")

    if want("az"):
        a = az_version()
        if a is None:
            out("Peer: cron + CLI floor: /usr/bin/az not installed (Debian azure-cli), skipped")
        else:
            out(f"Peer: cron + CLI floor: one `az version`: CPU {a['cpu']:.2f} s, wall {a['wall']:.2f} s (exit {a['status']})")
            for r in rows:
                if r["m"] == 0 and r["cycles"]:
                    out(f"   = {a['cpu'] / (r['cpu_per_100'] / 100):.0f} rootwatch cycles (N={r['n']}, 0 at /)")
        out("")

    if want("latency"):
        log("latency")
        s = detection_latency(build, root, latency_interval, elevations)
        out(f"Detection latency, elevateAccess in the fake -> signed assignment.created at the receiver,"
            f" interval {latency_interval} s, {len(s)} elevations at random moments:")
        out(f"   p50 {percentile(s, 50):.2f} s, p99 {percentile(s, 99):.2f} s, max {max(s):.2f} s"
            f" (target p99 <= {latency_interval + 1} s)")
        out("")

    if want("throughput"):
        log("throughput")
        t = delivery_throughput(build, root, throughput_alerts)
        out(f"Delivery throughput: backlog of {t['alerts']} alerts (sink URL at a closed port, then its url_file"
            f" switched to the fake receiver, SIGHUP), signed, concurrency 4:")
        out(f"   {t['rate']:.0f} alerts/s from the switch ({t['switch_to_last']:.1f} s; first to last delivery"
            f" {t['first_to_last']:.1f} s); daemon CPU {t['cpu']:.1f} s; unsigned or failed at the receiver:"
            f" {t['unsigned']} (target >= 500/s)")
        out(f"   while the receiver was unreachable with the backlog queued: daemon CPU {t['down_cpu']:.2f} s over"
            f" {t['down_wait']:.0f} s ({t['down_cpu'] / t['down_wait'] * 100:.1f}% of a core)")
        out("")

    if want("startup"):
        have = [r for r in rows if r["n"] == 1000]
        if have:
            out(f"Start-up to READY=1 with 1000 tenants: {', '.join('%.2f s' % r['startup'] for r in have)}"
                " (from the matrix rows)")
        else:
            log("startup")
            out(f"Start-up to READY=1 with 1000 tenants: {startup_only(build, root, 1000):.2f} s (target < 1 s)")
        out("")

    if want("growth"):
        log("growth")
        g = memory_growth(build, root, 100, growth_points)
        out("Memory growth: 100 tenants at 1 s (the shortest interval), 10 assignments at \"/\":")
        for c, rss, hwm in g:
            out(f"   after {c:>6} cycles: RSS {rss / 1024:.1f} MiB (peak {hwm / 1024:.1f} MiB)")
        out(f"   growth from {g[0][0]} to {g[-1][0]} cycles: {(g[-1][1] - g[0][1]) / 1024:+.1f} MiB")
        out("")

    if want("callgrind"):
        # The matrix's assignments at "/" (200 unless --assignments), with its sources, then
        # one row with every source at 10 assignments.
        cg_rows = [(m, matrix_sources) for m in (ms if args.assignments else (200,))]
        cg_rows.append((10, ("arm", "resource_graph", "activity_log", "entra_audit")))
        for m, sources in cg_rows:
            log(f"callgrind {m} {sources}")
            cg = callgrind_cycles(build, root, m, 20, sources)
            if cg is None:
                out("Callgrind: valgrind not installed or no dump, skipped")
                break
            out(f"Callgrind, 1 tenant, {m} at \"/\", sources {list(sources)}, 1 s interval:"
                f" {cg['per_cycle'] / 1e6:.2f} M instructions per cycle ({cg['total']:,} over {cg['cycles']} cycles;"
                " start-up and warm-up not collected)")
            out("   by stage (inclusive): " + ", ".join(
                f"{label} {ir / cg['total'] * 100:.1f}%" for label, ir in callgrind_stages(cg["inclusive"], cg["total"])))
            objects, functions = callgrind_breakdown(cg["text"], 25)
            out("   self instructions by object: " + ", ".join(
                f"{o} {ir / cg['total'] * 100:.1f}%" for o, ir in objects[:8]))
            out("   top functions (self):")
            for ir, name, obj in functions:
                out(f"   {ir / cg['total'] * 100:5.1f}%  {name[:100]}  [{obj}]")
            out("")

    out(f"load average at end {os.getloadavg()[0]:.2f}")
    shutil.rmtree(root, ignore_errors=True)
    saved = os.path.join(os.path.abspath(args.source), "build",
                         f"bench-{'quick' if args.quick else 'full'}-{time.strftime('%Y%m%d-%H%M%S')}.txt")
    os.makedirs(os.path.dirname(saved), exist_ok=True)
    with open(saved, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"saved: {saved}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
