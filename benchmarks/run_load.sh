#!/usr/bin/env bash
# Start an ark server on the open benchmark map, run the load bots against
# it, and print the bots' JSON with the server's CPU and memory beside it.
#
#   benchmarks/run_load.sh CLIENTS SECONDS [MAP]
#
# The server's CPU share is measured over the bots' measuring window (after
# the ramp), from /proc, so it includes time in the kernel on its behalf.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-100}
seconds=${2:-30}
map=${3:-../shared/bench/open-3200.tmj}
port=${ARK_BENCH_PORT:-8097}
ramp=$(python3 -c "print(min(10.0, $clients / 100))")
data=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$data"' EXIT

.venv/bin/twistd -n --pidfile= ark --port "$port" --data-dir "$data" \
    --maps-dir "$(dirname "$map")" --map "$(basename "$map")" \
    --room-capacity "$clients" --sign-in-limit 100000 ${ARK_BENCH_SERVER_ARGS:-} > "$data/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$port/api/rooms" > /dev/null && break
  sleep 0.2
done

ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
(
  sleep "$(python3 -c "print($ramp + 1)")"
  start=$(ticks)
  sleep "$((seconds - 2))"
  end=$(ticks)
  rss=$(awk '/VmRSS/{print $2}' "/proc/$server/status")
  hz=$(getconf CLK_TCK)
  python3 -c "print('{\"server_cpu_percent\": %.1f, \"server_rss_mb\": %.1f}' % (($end - $start) * 100 / ($hz * ($seconds - 2)), $rss / 1024))" > "$data/server.json"
) &
watcher=$!

${ARK_BENCH_BOTS_PREFIX:-} .venv/bin/python -m ark.loadtest --url "ws://127.0.0.1:$port/ws" --clients "$clients" \
    --duration "$seconds" --ramp "$ramp" --json | tail -1 > "$data/bots.json"
wait $watcher
curl -s "http://127.0.0.1:$port/metrics" > "$data/metrics.txt"
python3 - "$data" <<'PY'
import json, re, sys
data = sys.argv[1]
bots = json.load(open(data + "/bots.json"))
server = json.load(open(data + "/server.json"))
metrics = open(data + "/metrics.txt").read()
buckets = [(float(le), float(n)) for le, n in
           re.findall(r'ark_tick_duration_seconds_bucket\{le="([0-9.e+-]+)"\} ([0-9.e+]+)', metrics)]
total = float(re.search(r"ark_tick_duration_seconds_count ([0-9.e+]+)", metrics).group(1))
p99 = next((le for le, n in buckets if n >= 0.99 * total), None)
def counter(name):
    found = re.search(name + r" ([0-9.e+]+)", metrics)
    return float(found.group(1)) if found else None
server["tick_p99_ms_at_most"] = p99 * 1000 if p99 is not None else None
server["ticks_caught_up"] = counter("ark_ticks_caught_up_total")
server["input_underruns"] = counter("ark_input_underruns_total")
server["steps_dropped"] = counter("ark_steps_dropped_total")
server["steps_rate_limited"] = counter("ark_steps_rate_limited_total")
print(json.dumps({"bots": bots, "server": server}))
PY
