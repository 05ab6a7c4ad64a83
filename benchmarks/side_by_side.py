"""
The same random-walk load against ark alone, ark behind its gateways and
the customer's Colyseus room, one after the other, for each client count.

    .venv/bin/python benchmarks/side_by_side.py [--counts 500 1000 1400]
        [--duration 20] [--gateways 1] [--bot-processes 2]
        [--only ark gateways colyseus] [--skip ...]

For each count N, each server in turn is started on a free port of
127.0.0.1 and N bots random-walk against it:

  - C{ark}: C{twistd ark --gateways 0} on the open benchmark map with a
    room capacity of N, as C{benchmarks/run_load.sh} starts it (without
    C{--gateways} when this ark has no such option);
  - C{gateways}: the same with C{--gateways G}, whose gateway processes,
    children of twistd, terminate the WebSockets;
  - C{colyseus}: the seed room of C{<bench>/colyseus}, run as its own
    C{run.sh} does, from a copy (the seed is read-only) whose
    C{node_modules} is installed once into C{--cache}.

The bots are C{ark.loadtest} for ark, N split over C{--bot-processes}
processes (joining over the ramp C{run_load.sh} uses for N) whose echo
times (C{--samples}) are merged into one histogram, so the percentiles are
those of all the samples; and the seed's own C{bot.js} for Colyseus, in
one process: it prints only percentiles of its own samples, which cannot
be merged, and each of its processes would have its own window.  Both time
the echo the same way, from sending an input to the first patch showing
the client's own avatar has taken it, but not on the same samples: ark's
bots time every 60 Hz step of every bot, C{bot.js} every 20 Hz input of
the clients it decodes state on (its C{--decode}, 20 by default; pass
others with C{--colyseus-bot-args}).  ark's bots count received bytes as
whole WebSocket frames, C{bot.js} counts payloads (2-4 bytes less a patch).

Everything is measured over the bots' window: ark's starts at the end of
the ramp, Colyseus's 3 s later (C{bot.js}'s warm-up).  /proc is read every
C{--interval} seconds for the CPU time and RSS of the server (its first
process and every descendant found at that reading, so the gateways
count) and of the bots, and for the machine's busy share of all cores;
CPU is given in % of one core, summed over the processes, RSS as the
largest sum at one reading.  With several bot processes the window is the
part common to all of theirs.  A row is marked FULL when the machine's
cores were more than 95 % busy: the figures then measure server and bots
together, not the server alone.

Prints a table, then one JSON line with everything.  Each run is bounded
(the bots stop themselves, and are killed past their deadline); the
servers and bots are ended on exit, Ctrl-C and errors included, and
receive SIGTERM from the kernel if this script is killed outright.

The server is the ark installed in the virtualenv (C{make setup} after a
change); the bots are this checkout's C{ark.loadtest}.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from urllib.error import URLError
from urllib.request import ProxyHandler, build_opener

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Measure this checkout's bots, not the copy installed in the virtualenv
# (which has no --samples until the next `make setup`).
sys.path.insert(0, ROOT)

from ark.loadtest import Histogram  # noqa: E402

BIN = os.path.dirname(sys.executable)
HZ = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
CONFIGS = ("ark", "gateways", "colyseus")
# Above this share of all cores busy the machine is full, and the figures
# measure the box as much as the server.
FULL_PERCENT = 95.0
# Busy time besides the server and the bots, in % of one core, above which
# a run is said to have shared the machine.
OTHERS_PERCENT = 10.0
BENCH_MAP = "open-3200.tmj"
# bot.js refuses more.
COLYSEUS_MAX_CLIENTS = 2000
COLYSEUS_MAX_SECONDS = 60


class RunFailed(Exception):
    """
    One run could not be made; the others go on.
    """


def freePort() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def _dieWithUs():
    """
    In a child before it runs: have the kernel send it SIGTERM if this
    script dies without cleaning up (killed with SIGKILL), so that no
    server outlives a run.
    """
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def readStat(pid: int):
    """
    @return: C{(ppid, starttime, cpu ticks, rss pages)} of C{pid} from
        /proc, or C{None} if it is gone.
    """
    try:
        with open("/proc/%d/stat" % (pid,), "rb") as f:
            line = f.read()
    except OSError:
        return None
    # The command (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = line[line.rindex(b")") + 2 :].split()
    # fields[0] is field 3 (state), so field k is fields[k - 3].
    return int(fields[1]), int(fields[19]), int(fields[11]) + int(fields[12]), int(fields[21])


def allStats() -> dict:
    """
    @return: L{readStat} of every process, by pid.
    """
    stats = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            found = readStat(int(name))
            if found is not None:
                stats[int(name)] = found
    return stats


def family(roots, stats: dict) -> dict:
    """
    The processes C{roots} and all their descendants, by parent pid.

    @param stats: L{allStats}.
    @return: C{{(pid, starttime): (cpu ticks, rss pages)}}; the start time
        keeps a reused pid from passing for the process it replaced.
    """
    children = {}
    for pid, (ppid, _, _, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    found = {}
    todo = [pid for pid in roots if pid in stats]
    while todo:
        pid = todo.pop()
        _, started, ticks, rss = stats[pid]
        if (pid, started) in found:
            continue
        found[(pid, started)] = (ticks, rss)
        todo.extend(children.get(pid, ()))
    return found


def machineTicks():
    """
    @return: C{(busy, total)} ticks of all cores since boot; iowait counts
        as idle, and guest time is inside user time already.
    """
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    total = sum(values)
    return total - values[3] - values[4], total


class Sampler:
    """
    Readings of /proc during one run: the machine's CPU ticks and, for
    each watched family of processes, their CPU ticks and RSS.

    @ivar rows: C{{"t": epoch seconds, "busy", "total", label: family}}
        per reading, in time order.
    """

    def __init__(self):
        self.rows = []
        self.families = {}

    def watch(self, label: str, pids):
        """
        Read C{pids} and their descendants as C{label} from now on.
        """
        self.families[label] = list(pids)

    def sample(self):
        stats = allStats()
        busy, total = machineTicks()
        row = {"t": time.time(), "busy": busy, "total": total}
        for label, roots in self.families.items():
            row[label] = family(roots, stats)
        self.rows.append(row)

    def summary(self, start: float, end: float, labels) -> dict:
        """
        CPU and memory over C{[start, end]} (epoch seconds), from the first
        and the last reading inside it.

        A process that appeared in between counts from zero (it was born
        there); one that was gone by the end counts up to its last reading.

        @return: per label C{{"cpu_percent"}} (of one core),
            C{"rss_mb"} (the largest sum of the family's RSS at one
            reading) and C{"processes"} (the most at one reading); and
            C{machine_busy_percent} (of all cores), C{window_s} and
            C{whole_run} (C{True} when fewer than two readings fell inside
            and the whole run was used instead).
        """
        inside = [row for row in self.rows if start <= row["t"] <= end]
        wholeRun = len(inside) < 2
        if wholeRun:
            inside = self.rows
        if len(inside) < 2:
            raise RunFailed("too few readings of /proc")
        first, last = inside[0], inside[-1]
        seconds = last["t"] - first["t"]
        result = {
            "window_s": round(seconds, 2),
            "whole_run": wholeRun,
            "machine_busy_percent": round(
                100.0 * (last["busy"] - first["busy"]) / max(1, last["total"] - first["total"]), 1),
        }
        for label in labels:
            latest = {}
            for row in inside:
                latest.update(row.get(label, {}))
            before = first.get(label, {})
            ticks = sum(now[0] - before.get(key, (0, 0))[0] for key, now in latest.items())
            result[label] = {
                "cpu_percent": round(100.0 * ticks / HZ / seconds, 1) if seconds > 0 else None,
                "rss_mb": round(max(sum(rss for _, rss in row.get(label, {}).values())
                                    for row in inside) * PAGE / 2**20, 1),
                "processes": max(len(row.get(label, {})) for row in inside),
            }
        return result


class Processes:
    """
    The processes this script started, each the leader of its own process
    group (a terminal's Ctrl-C reaches the script only, which then ends
    them in order), ended however the script ends.
    """

    def __init__(self):
        self.started = []

    def start(self, argv, log: str, **kwargs) -> subprocess.Popen:
        """
        Start C{argv} with its output (both streams unless C{stdout} is
        given) appended to the file C{log}.
        """
        with open(log, "ab") as output:
            kwargs.setdefault("stdout", output)
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stderr=output, start_new_session=True,
                preexec_fn=_dieWithUs, **kwargs)
        self.started.append(process)
        return process

    def stop(self, process: subprocess.Popen, grace: float = 15.0):
        """
        End C{process} and its descendants: SIGTERM to it alone, which
        ends its children its own way (twistd its gateways), SIGKILL to its
        group after C{grace} seconds, and SIGKILL to any descendant that
        outlived it by three seconds.
        """
        offspring = {}
        if process.poll() is None:
            offspring = family([process.pid], allStats())
            try:
                os.kill(process.pid, signal.SIGTERM)
            except OSError:
                pass
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                _signalGroup(process.pid, signal.SIGKILL)
                process.wait(5)
        deadline = time.monotonic() + 3.0
        for pid, started in offspring:
            while time.monotonic() < deadline and _alive(pid, started):
                time.sleep(0.05)
            if _alive(pid, started):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if process in self.started:
            self.started.remove(process)

    def stopAll(self):
        # Bots first, so that the servers do not spend their grace on them.
        for process in reversed(list(self.started)):
            self.stop(process, grace=5.0)


def _signalGroup(pgid: int, signum: int):
    try:
        os.killpg(pgid, signum)
    except OSError:
        pass


def _alive(pid: int, started: int) -> bool:
    found = readStat(pid)
    return found is not None and found[1] == started


def watch(sampler: Sampler, waitFor, deadline: float, interval: float, server=None):
    """
    Read /proc every C{interval} seconds until every process of
    C{waitFor} has exited.

    @param deadline: C{time.monotonic()} after which the bots are over time.
    @return: a note if the server exited meanwhile, else C{None}.
    @raise RunFailed: past the deadline.
    """
    note = None
    while any(process.poll() is None for process in waitFor):
        if time.monotonic() > deadline:
            raise RunFailed("the bots were still running at their deadline")
        if note is None and server is not None and server.poll() is not None:
            note = "the server exited during the run (status %s)" % (server.returncode,)
        sampler.sample()
        time.sleep(interval)
    sampler.sample()
    return note


def tail(path: str, lines: int = 15) -> str:
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def lastJson(path: str):
    """
    @return: the last line of the file C{path} read as JSON, or C{None}.
    """
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").strip().splitlines()
        return json.loads(lines[-1]) if lines else None
    except (OSError, ValueError):
        return None


def arkHasGateways() -> bool:
    """
    Whether the installed ark knows C{--gateways}: before it did, every
    ark was a single process, which C{--gateways 0} now asks for.
    """
    found = subprocess.run([os.path.join(BIN, "twistd"), "ark", "--help"],
                           capture_output=True, text=True, timeout=120)
    return "--gateways" in found.stdout


def startArk(processes, work: str, bench: str, clients: int, gateways, name: str):
    """
    Start C{twistd ark} as C{benchmarks/run_load.sh} does and wait until
    it answers.

    @param gateways: the value of C{--gateways}, or C{None} to leave it out.
    @return: C{(process, port, log)}.
    """
    port = freePort()
    data = tempfile.mkdtemp(prefix=name + "-", dir=work)
    log = os.path.join(work, "%s-%d.server.log" % (name, clients))
    argv = [os.path.join(BIN, "twistd"), "-n", "--pidfile=", "ark",
            "--interface", "127.0.0.1", "--port", str(port), "--data-dir", data,
            "--maps-dir", bench, "--map", BENCH_MAP, "--room-capacity", str(clients),
            "--sign-in-limit", "100000"]
    if gateways is not None:
        argv += ["--gateways", str(gateways)]
    server = processes.start(argv, log, cwd=data)
    deadline = time.monotonic() + 60
    try:
        while True:
            if server.poll() is not None:
                raise RunFailed("the ark server exited (status %s):\n%s"
                                % (server.returncode, tail(log)))
            try:
                # No proxy from the environment may stand between us and 127.0.0.1.
                with build_opener(ProxyHandler({})).open(
                        "http://127.0.0.1:%d/api/rooms" % (port,), timeout=2) as answer:
                    if answer.status == 200:
                        return server, port, log
            except (URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RunFailed("the ark server did not answer in 60 s:\n" + tail(log))
            time.sleep(0.2)
    except BaseException:
        processes.stop(server)
        raise


def runArk(arguments, processes, work: str, clients: int, name: str, gateways) -> dict:
    """
    One ark run: the server, then C{clients} bots split over the bot
    processes, their echo times merged.
    """
    server, port, serverLog = startArk(processes, work, arguments.bench, clients,
                                       gateways, name)
    bots = []
    try:
        # The ramp run_load.sh uses, for all the bots together: the server
        # sees the same rate of joins however many processes send them.
        ramp = min(10.0, clients / 100.0)
        count = min(arguments.bot_processes, clients)
        for index in range(count):
            share = clients // count + (1 if index < clients % count else 0)
            prefix = os.path.join(work, "%s-%d.bots%d" % (name, clients, index))
            argv = [sys.executable, "-m", "ark.loadtest",
                    "--url", "ws://127.0.0.1:%d/ws" % (port,), "--clients", str(share),
                    "--duration", str(arguments.duration), "--ramp", str(ramp), "--json",
                    "--samples", prefix + ".samples.json"]
            # In ROOT, `-m` finds this checkout's ark.loadtest first.
            with open(prefix + ".out", "wb") as out:
                process = processes.start(argv, prefix + ".err", cwd=ROOT, stdout=out)
            bots.append((process, prefix))
        sampler = Sampler()
        sampler.watch("server", [server.pid])
        sampler.watch("bots", [process.pid for process, _ in bots])
        # ark.loadtest's own limit (sign-ins included), and then some.
        limit = ramp + 10 + arguments.duration + 5 + 30 + clients / 50 + 15
        note = watch(sampler, [process for process, _ in bots], time.monotonic() + limit,
                     arguments.interval, server)
    finally:
        for process, _ in bots:
            processes.stop(process, grace=5.0)
        processes.stop(server)

    reports, windows, echoes = [], [], Histogram()
    for process, prefix in bots:
        report = lastJson(prefix + ".out")
        if report is None:
            raise RunFailed("a bot process printed no report (status %s):\n%s"
                            % (process.returncode, tail(prefix + ".err")))
        reports.append(report)
        try:
            with open(prefix + ".samples.json") as f:
                samples = json.load(f)
        except (OSError, ValueError) as e:
            raise RunFailed("no echo samples from a bot process: %s" % (e,))
        echoes.add(Histogram.fromDict(samples["echo_ms"]))
        if samples["window_start"] is not None:
            windows.append((samples["window_start"], samples["window_end"]))
    if not windows:
        raise RunFailed("no bot process reached its measuring window:\n" + tail(serverLog))
    start = max(begin for begin, _ in windows)
    end = min(finish for _, finish in windows)
    measured = sum(report["measured_clients"] for report in reports)
    result = {
        "clients": clients,
        "joined": sum(report["joined"] for report in reports),
        "join_failures": sum(report["join_failures"] for report in reports),
        "disconnects": sum(report["disconnects"] for report in reports),
        "echo_ms": echoes.summary(),
        # Whole WebSocket frames, headers included.
        "bytes_per_client_per_s": round(
            sum(report["bytes_per_client_per_s"] * report["measured_clients"]
                for report in reports) / measured) if measured else None,
        "bot_processes": len(bots),
        "bots_own_cpu_percent": round(sum(report["cpu_percent"] for report in reports), 1),
        # How far apart the bot processes began measuring.
        "bot_windows_spread_s": round(max(begin for begin, _ in windows)
                                      - min(begin for begin, _ in windows), 2),
        "bot_errors": [report["errors"] for report in reports if report["errors"]],
    }
    notes = [note] if note else []
    if end <= start:
        # The windows did not overlap: measure over all of them.
        start = min(begin for begin, _ in windows)
        end = max(finish for _, finish in windows)
        notes.append("the bot processes' windows did not overlap")
    if notes:
        result["note"] = "; ".join(notes)
    result.update(measure(sampler, start, end))
    return result


def prepareColyseus(arguments, work: str) -> str:
    """
    Copy the seed room into C{work} and give it its npm modules, installed
    with C{npm ci} into the cache the first time (by the hash of the
    lock file, so that a new seed gets new ones).

    @return: the copy's directory.
    """
    seed = os.path.join(arguments.bench, "colyseus")
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        with open(os.path.join(seed, name), "rb") as f:
            digest.update(f.read())
    cached = os.path.join(arguments.cache, digest.hexdigest()[:16])
    modules = os.path.join(cached, "node_modules")
    if not (os.path.exists(os.path.join(modules, ".bin", "node"))
            and os.path.isdir(os.path.join(modules, "@colyseus", "core"))):
        os.makedirs(arguments.cache, exist_ok=True)
        staging = tempfile.mkdtemp(prefix="staging-", dir=arguments.cache)
        try:
            for name in ("package.json", "package-lock.json"):
                shutil.copy(os.path.join(seed, name), staging)
            sys.stderr.write("side_by_side: npm ci for the Colyseus room, into %s\n" % (cached,))
            installed = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=staging,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       timeout=900)
            if installed.returncode:
                raise SystemExit("npm ci failed:\n"
                                 + installed.stdout.decode("utf-8", "replace")[-3000:])
            os.makedirs(cached, exist_ok=True)
            try:
                os.rename(os.path.join(staging, "node_modules"), modules)
            except OSError:
                # Another run installed them first.
                if not os.path.isdir(modules):
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    here = os.path.join(work, "colyseus")
    shutil.copytree(seed, here, ignore=shutil.ignore_patterns("node_modules", "results"))
    for directory, _, files in os.walk(here):
        # The seed is read-only, and so would the copy be.
        os.chmod(directory, stat.S_IRWXU)
        for name in files:
            path = os.path.join(directory, name)
            os.chmod(path, os.stat(path).st_mode | stat.S_IWUSR)
    os.symlink(modules, os.path.join(here, "node_modules"))
    return here


def runColyseus(arguments, processes, work: str, here: str, clients: int) -> dict:
    """
    One Colyseus run, as the seed's run.sh makes it: its server, then its
    bot in one process.
    """
    node = os.path.join(here, "node_modules", ".bin", "node")
    port = freePort()
    serverLog = os.path.join(work, "colyseus-%d.server.log" % (clients,))
    server = processes.start([node, "server.js"], serverLog, cwd=here,
                             env=dict(os.environ, PORT=str(port)))
    bot = None
    try:
        deadline = time.monotonic() + 30
        while "listening" not in tail(serverLog, 50):
            if server.poll() is not None:
                raise RunFailed("the Colyseus server exited (status %s):\n%s"
                                % (server.returncode, tail(serverLog)))
            if time.monotonic() > deadline:
                raise RunFailed("the Colyseus server did not listen in 30 s:\n"
                                + tail(serverLog))
            time.sleep(0.1)
        prefix = os.path.join(work, "colyseus-%d.bot" % (clients,))
        argv = [node, "bot.js", str(clients), str(arguments.duration), "--port", str(port)]
        argv += arguments.colyseus_bot_args.split()
        with open(prefix + ".out", "wb") as out:
            bot = processes.start(argv, prefix + ".err", cwd=here, stdout=out)
        sampler = Sampler()
        sampler.watch("server", [server.pid])
        sampler.watch("bots", [bot.pid])
        # bot.js's own hard limit: ramp timeout, warm-up, window, 20 s.
        limit = min(90, max(20, -(-clients // 10))) + 3 + arguments.duration + 20 + 15
        note = watch(sampler, [bot], time.monotonic() + limit, arguments.interval, server)
    finally:
        if bot is not None:
            processes.stop(bot, grace=5.0)
        processes.stop(server)
    report = lastJson(prefix + ".out")
    if report is None or "window_start_ms" not in report:
        raise RunFailed("the Colyseus bot gave no report (status %s): %s\n%s"
                        % (bot.returncode, report, tail(prefix + ".err")))
    latency = report["latency_ms"]
    result = {
        "clients": clients,
        "joined": report["clients_connected"],
        "join_failures": report["join_failures"],
        "disconnects": report["disconnects_during_window"],
        "echo_ms": {key: latency[key] for key in ("p50", "p95", "p99", "mean", "max", "samples")},
        # WebSocket payloads only: 2 to 4 bytes of frame header a patch fewer
        # than ark's count.
        "bytes_per_client_per_s": report["bytes_per_client_per_s"],
        "bot_processes": 1,
        "bots_own_cpu_percent": report["bot_cpu_pct"],
        "decoding_clients": report["decoding_clients"],
        "bot_errors": [report["errors"]] if report.get("errors") else [],
    }
    if note:
        result["note"] = note
    result.update(measure(sampler, report["window_start_ms"] / 1000.0,
                          report["window_end_ms"] / 1000.0))
    return result


def measure(sampler: Sampler, start: float, end: float) -> dict:
    found = sampler.summary(start, end, ("server", "bots"))
    busy = found["machine_busy_percent"]
    server, bots = found["server"]["cpu_percent"], found["bots"]["cpu_percent"]
    return {
        "window_s": found["window_s"],
        "window_is_whole_run": found["whole_run"],
        "server_cpu_percent": found["server"]["cpu_percent"],
        "server_rss_mb": found["server"]["rss_mb"],
        "server_processes": found["server"]["processes"],
        "bots_cpu_percent": found["bots"]["cpu_percent"],
        "bots_rss_mb": found["bots"]["rss_mb"],
        "machine_busy_percent": busy,
        "machine_full": busy > FULL_PERCENT,
        # The rest of the machine's busy time, in % of one core: this
        # script's readings, the kernel's own work, and anything else
        # running, which makes the run noisy.
        "other_cpu_percent": round(busy * (os.cpu_count() or 1) - server - bots, 1)
        if server is not None and bots is not None else None,
    }


def label(run: dict) -> str:
    if run["server"] == "ark":
        return "ark"
    if run["server"] == "gateways":
        return "ark + %d gateway%s" % (run["gateways"], "" if run["gateways"] == 1 else "s")
    return "colyseus"


def _number(value, pattern: str) -> str:
    return "-" if value is None else pattern % (value,)


def table(runs) -> str:
    """
    The runs as a table, one row each, for a person to read.
    """
    header = ("%5s  %-16s %9s  %-22s %9s  %-11s %7s  %-10s %5s"
              % ("N", "server", "joined", "echo ms p50/p95/p99", "KB/s/cl",
                 "server CPU%", "RSS MB", "bots CPU%", "busy%"))
    lines = [header, "-" * len(header)]
    for run in runs:
        if "error" in run:
            lines.append("%5d  %-16s failed: %s" % (run["clients"], label(run),
                                                    run["error"].splitlines()[0]))
            continue
        echo = run["echo_ms"]
        kilobytes = run["bytes_per_client_per_s"]
        lines.append(
            "%5d  %-16s %9s  %-22s %9s  %-11s %7.0f  %-10s %5.0f%s" % (
                run["clients"], label(run), "%d/%d" % (run["joined"], run["clients"]),
                "/".join(_number(echo[key], "%.1f") for key in ("p50", "p95", "p99")),
                _number(kilobytes and kilobytes / 1000.0, "%.1f"),
                "%s (%dp)" % (_number(run["server_cpu_percent"], "%.0f"),
                              run["server_processes"]),
                run["server_rss_mb"],
                "%s (%dp)" % (_number(run["bots_cpu_percent"], "%.0f"), run["bot_processes"]),
                run["machine_busy_percent"],
                "  FULL" if run["machine_full"] else ""))
    return "\n".join(lines)


NOTES = """\
CPU%% is of one core, summed over processes ((Np): how many), from /proc over
the bots' measuring window; busy%% is of all %(cores)d cores, FULL above %(full)d %%."""
ARK_NOTES = """\
ark's bots are ark.loadtest in %(processes)s; the echo percentiles are of
all their samples together, and the bytes are whole WebSocket frames."""
COLYSEUS_NOTES = """\
Colyseus's bot is its seed's bot.js, in one process: it prints percentiles of
its own samples only, which cannot be merged.  It times the echo on %(decoding)s
of its clients (its --decode), over a window that starts 3 s after its ramp,
and counts WebSocket payloads only (2-4 bytes a patch fewer than frames)."""


def _interrupt(signum, frame):
    raise KeyboardInterrupt()


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[500, 1000, 1400],
                        help="client counts to run, each against every server")
    parser.add_argument("--duration", type=float, default=20.0,
                        help="seconds measured, after the ramp")
    parser.add_argument("--gateways", type=int, default=1,
                        help="gateway processes of the 'gateways' server")
    parser.add_argument("--bot-processes", type=int, default=2,
                        help="processes the ark bots are split over")
    parser.add_argument("--only", nargs="+", choices=CONFIGS, default=list(CONFIGS),
                        help="servers to run")
    parser.add_argument("--skip", nargs="+", choices=CONFIGS, default=[],
                        help="servers not to run")
    parser.add_argument("--bench", default=os.path.join(os.path.dirname(ROOT), "shared", "bench"),
                        help="directory of %s and the colyseus seed" % (BENCH_MAP,))
    parser.add_argument("--cache", default=os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "ark-bench", "colyseus"), help="where the Colyseus room's npm modules are kept")
    parser.add_argument("--colyseus-bot-args", default="",
                        help="more arguments for bot.js, e.g. '--decode 50'")
    parser.add_argument("--interval", type=float, default=0.25,
                        help="seconds between readings of /proc")
    parser.add_argument("--keep", action="store_true",
                        help="keep the logs and bot reports, and say where")
    arguments = parser.parse_args()
    configs = [name for name in CONFIGS if name in arguments.only and name not in arguments.skip]
    if not configs:
        parser.error("nothing to run")
    if any(count < 1 for count in arguments.counts):
        parser.error("--counts must be at least 1")
    if not 0 < arguments.duration <= 600:
        parser.error("--duration must be above 0 and at most 600")
    if arguments.bot_processes < 1 or arguments.gateways < 0:
        parser.error("--bot-processes must be at least 1 and --gateways at least 0")
    if "colyseus" in configs and (max(arguments.counts) > COLYSEUS_MAX_CLIENTS
                                  or arguments.duration > COLYSEUS_MAX_SECONDS):
        parser.error("Colyseus's bot takes at most %d clients and %d s"
                     % (COLYSEUS_MAX_CLIENTS, COLYSEUS_MAX_SECONDS))
    arguments.bench = os.path.abspath(arguments.bench)
    if "colyseus" not in configs and not os.path.exists(os.path.join(arguments.bench, BENCH_MAP)):
        parser.error("no %s in %s (--bench)" % (BENCH_MAP, arguments.bench))

    # Ctrl-C, even where a shell started us with SIGINT ignored, and
    # SIGTERM end the runs through the finally below, and print what ran.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    work = tempfile.mkdtemp(prefix="ark-side-by-side-")
    processes = Processes()
    runs = []
    interrupted = False
    gatewaysOption = True
    try:
        if "ark" in configs or "gateways" in configs:
            gatewaysOption = arkHasGateways()
            if not gatewaysOption and "gateways" in configs and arguments.gateways:
                raise SystemExit("The installed ark has no --gateways option (make setup?); "
                                 "run with --gateways 0 or --skip gateways.")
        here = prepareColyseus(arguments, work) if "colyseus" in configs else None
        for clients in arguments.counts:
            for name in configs:
                run = {"server": name, "clients": clients,
                       "gateways": 0 if name == "ark" else
                       arguments.gateways if name == "gateways" else None}
                sys.stderr.write("side_by_side: %s, %d clients\n" % (label(run), clients))
                try:
                    if name == "colyseus":
                        run.update(runColyseus(arguments, processes, work, here, clients))
                    else:
                        run.update(runArk(arguments, processes, work, clients, name,
                                          run["gateways"] if gatewaysOption else None))
                except RunFailed as e:
                    run["error"] = str(e)
                    sys.stderr.write("side_by_side: %s\n" % (e,))
                runs.append(run)
                # Let the sockets of the last run close before the next.
                time.sleep(1.0)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        processes.stopAll()
        if arguments.keep:
            sys.stderr.write("side_by_side: logs and reports are in %s\n" % (work,))
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(table(runs))
    print()
    if interrupted:
        print("Interrupted: the runs above are all that were made.")
    print(NOTES % {"cores": os.cpu_count(), "full": FULL_PERCENT})
    arkRuns = [run for run in runs if run["server"] != "colyseus" and "error" not in run]
    if arkRuns:
        print(ARK_NOTES % {"processes": "up to %d processes" % (arguments.bot_processes,)
                           if arguments.bot_processes > 1 else "one process"})
    colyseus = [run for run in runs if run["server"] == "colyseus" and "error" not in run]
    if colyseus:
        decoding = sorted({run["decoding_clients"] for run in colyseus})
        print(COLYSEUS_NOTES % {"decoding": "/".join(map(str, decoding))})
    for run in runs:
        if run.get("note"):
            print("%d %s: %s" % (run["clients"], label(run), run["note"]))
        if (run.get("other_cpu_percent") or 0) > OTHERS_PERCENT:
            print("%d %s: other processes kept %.0f %% of a core busy besides the server "
                  "and the bots" % (run["clients"], label(run), run["other_cpu_percent"]))
    if any(run.get("machine_full") for run in runs):
        print("FULL: the machine's cores were busy above %d %% of the window; those rows "
              "measure the server and its bots together." % (FULL_PERCENT,))
    print(json.dumps({
        "counts": arguments.counts,
        "duration_s": arguments.duration,
        "bot_processes": arguments.bot_processes,
        "gateways": arguments.gateways,
        "gateways_option": gatewaysOption if "ark" in configs or "gateways" in configs else None,
        "cores": os.cpu_count(),
        "runs": runs,
        "interrupted": interrupted,
    }, sort_keys=True))
    if interrupted:
        sys.exit(130)


if __name__ == "__main__":
    main()
