# shellcheck shell=bash
# Throwaway test services for bin/test: system packages, PostgreSQL, Redis.
#
# Source this file, then call:
#   pln_ensure_system_packages   apt-get install what is missing (no apt at all if nothing is)
#   pln_services_start           temp dir + PostgreSQL + Redis; exports DATABASE_URL & co.
#   pln_services_stop            stop both, remove the temp dir (idempotent, safe to call twice)
# Everything listens on 127.0.0.1 only, on free ports, with data in one temp dir.

PLN_SVC_DIR=""
PLN_PG_BIN=""
PLN_PG_STARTED=0
PLN_REDIS_PID=""

pln_say() { printf '==> %s\n' "$*"; }
pln_warn() { printf '==> WARNING: %s\n' "$*" >&2; }
pln_die() {
    printf '==> ERROR: %s\n' "$*" >&2
    exit 1
}

# Seconds since the epoch with millisecond precision (for the timing lines).
pln_now() { date +%s.%N; }
pln_elapsed() { awk -v a="$1" -v b="$(pln_now)" 'BEGIN { printf "%.1fs", b - a }'; }

# "gone" once a pid has exited (a zombie counts as gone), "running" otherwise.
pln_proc_state() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || {
        echo gone
        return
    }
    stat=${stat##*) }
    case "${stat%% *}" in
    Z | X) echo gone ;;
    *) echo running ;;
    esac
}

# shellcheck disable=SC2012 # Debian's version dirs are plain numbers.
pln_pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true; }

# Run a command as the PostgreSQL system user (initdb and postgres refuse to run as root),
# from inside the temp dir so that it never depends on being able to read the cwd.
pln_as_pg() {
    if [ "$(id -u)" = 0 ]; then
        (cd "$PLN_SVC_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$PLN_SVC_DIR" && "$@")
    fi
}

# ---------------------------------------------------------------------------------------------
# System packages
# ---------------------------------------------------------------------------------------------

pln_ensure_system_packages() {
    local missing=()
    [ -n "$(pln_pg_bindir)" ] || missing+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    # Without any font, Chromium screenshots render text as empty boxes.
    if [ ! -d /usr/share/fonts/truetype/dejavu ]; then
        missing+=(fonts-dejavu-core)
    fi
    [ "${#missing[@]}" -eq 0 ] && return 0

    local sudo=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null 2>&1 ||
            pln_die "missing system packages (${missing[*]}) and not root; install them first"
        sudo=(sudo -n)
    fi

    pln_say "installing system packages: ${missing[*]}"
    local t0
    t0=$(pln_now)
    # Keep Debian's maintainer scripts from starting the packaged postgresql/redis services:
    # the tests start their own throwaway instances, and a stray daemon on :5432/:6379 would
    # outlive the run. Only done when no policy-rc.d is in place already.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        if printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null &&
            "${sudo[@]}" chmod +x "$policy"; then
            made_policy=1
        fi
    fi
    local apt_opts=(-y -q -o Dpkg::Use-Pty=0 -o Acquire::Retries=3 -o DPkg::Lock::Timeout=300)
    local rc=0
    {
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install \
                --no-install-recommends "${missing[@]}"
    } >"${TMPDIR:-/tmp}/pln-apt.log" 2>&1 || rc=$?
    if [ "$made_policy" = 1 ]; then
        "${sudo[@]}" rm -f "$policy"
    fi
    if [ "$rc" != 0 ]; then
        tail -n 40 "${TMPDIR:-/tmp}/pln-apt.log" >&2
        pln_die "apt-get failed (exit $rc); full log in ${TMPDIR:-/tmp}/pln-apt.log"
    fi
    pln_say "system packages installed in $(pln_elapsed "$t0")"
}

# ---------------------------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------------------------

# Two distinct free TCP ports on 127.0.0.1, printed on one line.
pln_free_ports() {
    python3 - <<'EOF'
import socket

socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
EOF
}

pln_start_postgres() {
    local port=$1 pgdata="$PLN_SVC_DIR/pg"
    PLN_PG_BIN=$(pln_pg_bindir)
    [ -n "$PLN_PG_BIN" ] || pln_die "no PostgreSQL server under /usr/lib/postgresql/*/bin"
    pln_say "starting PostgreSQL $(basename "$(dirname "$PLN_PG_BIN")") on 127.0.0.1:$port"

    # The bootstrap superuser is named pln directly (pytest-django needs CREATEDB; superuser
    # also lets tests create extensions). C collation, UTF-8: fast and locale-independent.
    pln_as_pg "$PLN_PG_BIN/initdb" -D "$pgdata" -U pln -E UTF8 --no-locale \
        --auth=trust --no-sync >"$PLN_SVC_DIR/initdb.log" 2>&1 || {
        cat "$PLN_SVC_DIR/initdb.log" >&2
        pln_die "initdb failed"
    }
    cat >>"$pgdata/postgresql.conf" <<EOF

# --- bin/test: throwaway instance, durability traded for speed ---
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PLN_SVC_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
EOF
    cat >"$pgdata/pg_hba.conf" <<'EOF'
local all all              trust
host  all all 127.0.0.1/32 trust
EOF

    PLN_PG_STARTED=1
    pln_as_pg "$PLN_PG_BIN/pg_ctl" -D "$pgdata" -l "$PLN_SVC_DIR/postgres.log" -w -t 60 \
        -s start || {
        tail -n 30 "$PLN_SVC_DIR/postgres.log" >&2 || true
        pln_die "PostgreSQL did not start"
    }
    pln_as_pg "$PLN_PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U pln pln ||
        pln_die "createdb pln failed"
}

pln_start_redis() {
    local port=$1
    command -v redis-server >/dev/null 2>&1 || pln_die "redis-server not found"
    pln_say "starting Redis on 127.0.0.1:$port"
    mkdir -p "$PLN_SVC_DIR/redis"
    # A background child of this shell (not --daemonize): `wait` reaps it the moment it exits.
    # Daemonized, it would be reparented to PID 1, which on some machines (this VM's init)
    # reaps orphans only every second or two, so "is it gone yet?" polling stalls.
    # setsid: its own session, so a Ctrl-C aimed at the tests does not reach it.
    setsid redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
        --save "" --appendonly no --dir "$PLN_SVC_DIR/redis" \
        --daemonize no --logfile "$PLN_SVC_DIR/redis.log" \
        </dev/null >"$PLN_SVC_DIR/redis.out" 2>&1 &
    PLN_REDIS_PID=$!

    # Wait until it answers PING (checked over bash's /dev/tcp: redis-cli is not needed).
    local _ reply
    for _ in $(seq 1 100); do
        kill -0 "$PLN_REDIS_PID" 2>/dev/null || break
        # In a subshell: `exec` redirections would otherwise stick to this shell for good.
        reply=$(
            exec 2>/dev/null 9<>"/dev/tcp/127.0.0.1/$port" || exit 0
            printf 'PING\r\n' >&9
            read -r -t 2 line <&9 && printf '%s' "$line"
        ) || true
        [ "${reply%$'\r'}" = "+PONG" ] && return 0
        sleep 0.05
    done
    tail -n 30 "$PLN_SVC_DIR/redis.out" "$PLN_SVC_DIR/redis.log" >&2 || true
    pln_die "Redis did not answer PING on 127.0.0.1:$port"
}

pln_services_start() {
    local tmp_base="${TMPDIR:-/tmp}"
    # The postgres user must be able to reach the data dir: as root, stay out of e.g. /root.
    [ "$(id -u)" = 0 ] && tmp_base=/tmp
    PLN_SVC_DIR=$(mktemp -d "$tmp_base/pln-test.XXXXXXXX")
    if [ "$(id -u)" = 0 ]; then
        id -u postgres >/dev/null 2>&1 ||
            useradd --system --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin postgres
        chown postgres: "$PLN_SVC_DIR"
    fi

    local ports pg_port redis_port
    ports=$(pln_free_ports)
    read -r pg_port redis_port <<<"$ports"

    pln_start_postgres "$pg_port"
    pln_start_redis "$redis_port"

    export DATABASE_URL="postgres://pln@127.0.0.1:$pg_port/pln"
    export CELERY_BROKER_URL="redis://127.0.0.1:$redis_port/0"
    # The cache on its own database: clearing it (every test does) must not empty the queues.
    export REDIS_URL="redis://127.0.0.1:$redis_port/1"
    export PLN_TEST_SERVICES=1
}

pln_services_stop() {
    if [ "$PLN_PG_STARTED" = 1 ] && [ -d "$PLN_SVC_DIR/pg" ]; then
        PLN_PG_STARTED=0
        # Immediate mode: nothing in here is worth a clean checkpoint.
        pln_as_pg "$PLN_PG_BIN/pg_ctl" -D "$PLN_SVC_DIR/pg" -m immediate -w -t 30 -s stop \
            >/dev/null 2>&1 || true
        # If pg_ctl could not stop it (or it was already dying), make sure it is gone.
        local pid
        pid=$(head -n 1 "$PLN_SVC_DIR/pg/postmaster.pid" 2>/dev/null || true)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    if [ -n "$PLN_REDIS_PID" ]; then
        # No persistence configured, so SIGTERM is a quick clean exit; SIGKILL if it lingers.
        local _
        kill -TERM "$PLN_REDIS_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do
            [ "$(pln_proc_state "$PLN_REDIS_PID")" = gone ] && break
            sleep 0.05
        done
        kill -KILL "$PLN_REDIS_PID" 2>/dev/null || true
        wait "$PLN_REDIS_PID" 2>/dev/null || true
        PLN_REDIS_PID=""
    fi
    if [ -n "$PLN_SVC_DIR" ] && [ -d "$PLN_SVC_DIR" ]; then
        rm -rf "$PLN_SVC_DIR"
    fi
    PLN_SVC_DIR=""
}
