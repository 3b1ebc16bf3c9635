#!/usr/bin/env bash
# Optimizer Playground for a classroom: K Streamlit processes on 127.0.0.1 behind HAProxy, one public port.
#
#   deploy/start.sh                      # K = the number of cores, public port 8080 on every interface
#   deploy/start.sh --processes 3 --port 80 --bind 0.0.0.0
#
# Needs: `pip install -r requirements.txt` and `apt-get install haproxy`.  Runs in the foreground; Ctrl-C
# (or SIGTERM, e.g. from systemd) stops every process it started.  If one of them exits, it stops the others
# and exits with an error, so a supervisor (systemd: Restart=on-failure) starts the whole set again.
#
# Options (or the environment variables in brackets):
#   --port N        public port of the proxy [OPTVIZ_PORT, 8080]
#   --bind ADDR     address the proxy listens on [OPTVIZ_BIND, 0.0.0.0]
#   --processes K   Streamlit processes [OPTVIZ_PROCESSES, the number of cores]
#   --base-port N   first Streamlit port; the others follow [OPTVIZ_BASE_PORT, 8501]
#   --stats-port N  HAProxy's status page on 127.0.0.1 [OPTVIZ_STATS_PORT, 8404]
#   --run-dir DIR   logs, PIDs, the rendered proxy config [OPTVIZ_RUN_DIR, $XDG_RUNTIME_DIR or /tmp]
#   --python PATH   the Python with the requirements installed [OPTVIZ_PYTHON, python3]
#   --no-warm       do not warm each process up with one session before opening the port
# The Streamlit PIDs are written to RUN_DIR/streamlit.pids (for `python -m tools.loadtest --pid-file`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cores() { nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1; }

PORT="${OPTVIZ_PORT:-8080}"
BIND="${OPTVIZ_BIND:-0.0.0.0}"
K="${OPTVIZ_PROCESSES:-$(cores)}"
BASE="${OPTVIZ_BASE_PORT:-8501}"
STATS="${OPTVIZ_STATS_PORT:-8404}"
PY="${OPTVIZ_PYTHON:-python3}"
RUN_DIR="${OPTVIZ_RUN_DIR:-}"
WARM=1

die() { echo "start.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --bind) BIND="${2:?--bind needs a value}"; shift 2 ;;
    --processes) K="${2:?--processes needs a value}"; shift 2 ;;
    --base-port) BASE="${2:?--base-port needs a value}"; shift 2 ;;
    --stats-port) STATS="${2:?--stats-port needs a value}"; shift 2 ;;
    --run-dir) RUN_DIR="${2:?--run-dir needs a value}"; shift 2 ;;
    --python) PY="${2:?--python needs a value}"; shift 2 ;;
    --no-warm) WARM=0; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
for v in PORT:--port K:--processes BASE:--base-port STATS:--stats-port; do
  name="${v%%:*}"; opt="${v#*:}"
  [[ "${!name}" =~ ^[0-9]+$ ]] || die "$opt must be a number, got '${!name}'"
done
[ "$K" -ge 1 ] && [ "$K" -le 64 ] || die "--processes must be 1…64, got $K"

HAPROXY="$(command -v haproxy || true)"
[ -z "$HAPROXY" ] && [ -x /usr/sbin/haproxy ] && HAPROXY=/usr/sbin/haproxy
[ -n "$HAPROXY" ] || die "haproxy not found: apt-get install haproxy"
"$PY" -c "import streamlit" 2>/dev/null || die "$PY cannot import streamlit: pip install -r requirements.txt"

RUN_DIR="${RUN_DIR:-${XDG_RUNTIME_DIR:-/tmp}/optviz-$PORT}"
mkdir -p "$RUN_DIR"
PIDS_FILE="$RUN_DIR/streamlit.pids"
: > "$PIDS_FILE"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
healthy() {  # GET /_stcore/health answers 200 (plain bash: no curl needed)
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /_stcore/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    IFS= read -r -t 2 line <&3 && [[ "$line" == *" 200 "* ]]
  ) 2>/dev/null
}
for ((i = 0; i < K; i++)); do
  port_busy $((BASE + i)) && die "port $((BASE + i)) is already in use (another start.sh? use --base-port)"
done
port_busy "$PORT" && die "port $PORT is already in use"

# Memory: two malloc arenas instead of one per thread (Streamlit runs each session's script in its own thread),
# and large buffers (the figures' JSON) in their own mappings, returned to the system when freed.  Measured with
# 40 sessions: RSS 120 s after they close +127 % of the baseline without these, +29 % with them.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-131072}"
# Heavy jobs (exports, Explore maps) per process: share the cores among the processes (ui/heavy.py).
N_CORES="$(cores)"
export OPTVIZ_HEAVY_JOBS="${OPTVIZ_HEAVY_JOBS:-$(( N_CORES / K > 0 ? N_CORES / K : 1 ))}"

CHILDREN=()
running() {  # a child that has not exited (an exited, unreaped child is a zombie: "Z" in /proc/PID/stat)
  [ -r "/proc/$1/stat" ] || { kill -0 "$1" 2>/dev/null; return; }
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat%% *}" != "Z" ]
}
stop() {
  trap - INT TERM EXIT
  if [ ${#CHILDREN[@]} -gt 0 ]; then
    kill -TERM "${CHILDREN[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
      alive=0
      for p in "${CHILDREN[@]}"; do running "$p" && alive=1; done
      [ $alive -eq 0 ] && break
      sleep 0.2
    done
    kill -KILL "${CHILDREN[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
  fi
  rm -f "$PIDS_FILE"
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap 'stop' EXIT

cd "$ROOT"
for ((i = 0; i < K; i++)); do
  p=$((BASE + i))
  "$PY" -m streamlit run app.py \
    --server.address 127.0.0.1 --server.port "$p" --server.headless true \
    --browser.gatherUsageStats false \
    > "$RUN_DIR/streamlit-$p.log" 2>&1 < /dev/null &
  CHILDREN+=($!)
  echo $! >> "$PIDS_FILE"
done

# The proxy config: deploy/haproxy.cfg with one server line per process.
CFG="$RUN_DIR/haproxy.cfg"
{
  sed -n '1,/# BEGIN servers/p' "$ROOT/deploy/haproxy.cfg"
  for ((i = 0; i < K; i++)); do
    echo "    server st$((i + 1)) 127.0.0.1:$((BASE + i)) check cookie st$((i + 1))"
  done
  sed -n '/# END servers/,$p' "$ROOT/deploy/haproxy.cfg"
} > "$CFG"
export OPTVIZ_BIND="$BIND" OPTVIZ_PORT="$PORT" OPTVIZ_STATS_PORT="$STATS"
"$HAPROXY" -c -q -f "$CFG" || die "the rendered proxy config $CFG is invalid"

# Wait until every process answers its health check (the first start compiles and imports: ~5–20 s).
for ((i = 0; i < K; i++)); do
  p=$((BASE + i)); ok=0
  for _ in $(seq 300); do
    healthy "$p" && { ok=1; break; }
    kill -0 "${CHILDREN[$i]}" 2>/dev/null || die "Streamlit on port $p exited; see $RUN_DIR/streamlit-$p.log"
    sleep 0.2
  done
  [ $ok -eq 1 ] || die "Streamlit on port $p did not answer in 60 s; see $RUN_DIR/streamlit-$p.log"
done

# Warm every process up with one session (imports, compiled formulas, cached figures): the first students
# then meet a warm server instead of ~5 s of imports each.  --no-warm skips it.
if [ "$WARM" = 1 ]; then
  WARMERS=()
  for ((i = 0; i < K; i++)); do
    "$PY" -m tools.loadtest --url "http://127.0.0.1:$((BASE + i))" --warm --moves 1 --think 0 --timeout 120 \
      >> "$RUN_DIR/warm.log" 2>&1 &
    WARMERS+=($!)
  done
  for w in "${WARMERS[@]}"; do wait "$w" || echo "start.sh: a warm-up failed (see $RUN_DIR/warm.log); serving anyway" >&2; done
fi

"$HAPROXY" -db -f "$CFG" > "$RUN_DIR/haproxy.log" 2>&1 < /dev/null &
CHILDREN+=($!)
CHECK_HOST="$BIND"; [ "$BIND" = "0.0.0.0" ] && CHECK_HOST=127.0.0.1
for _ in $(seq 100); do  # until the public port answers (a busy machine may take a moment)
  running "${CHILDREN[-1]}" || die "haproxy did not start; see $RUN_DIR/haproxy.log"
  (exec 3<>"/dev/tcp/$CHECK_HOST/$PORT") 2>/dev/null && break
  sleep 0.1
done
(exec 3<>"/dev/tcp/$CHECK_HOST/$PORT") 2>/dev/null || die "haproxy does not answer on port $PORT; see $RUN_DIR/haproxy.log"

HOST="$(hostname -I 2>/dev/null | awk '{print $1}')"
[ "$BIND" = "0.0.0.0" ] || HOST="$BIND"
echo "Optimizer Playground: $K processes (ports $BASE–$((BASE + K - 1))), heavy jobs per process: $OPTVIZ_HEAVY_JOBS"
echo "  open   http://${HOST:-127.0.0.1}:$PORT/"
echo "  status http://127.0.0.1:$STATS/   logs and PIDs in $RUN_DIR   (Ctrl-C stops everything)"

# Run until Ctrl-C / SIGTERM, or until one process exits (then stop the rest: exit code 1).
set +e
wait -n "${CHILDREN[@]}"
echo "start.sh: a process exited; stopping the others (logs in $RUN_DIR)" >&2
stop
exit 1
