#!/usr/bin/env bash
# Make PostgreSQL (127.0.0.1:5432, trust auth, database `test`) and Redis (127.0.0.1:6379)
# reachable for the test suite: start them if they are stopped, install them if they are missing.
# pg_dump and pg_restore (backups of PostgreSQL) are installed when missing.
# The browser tests need Debian's chromium (driven by Playwright as the system browser): it is
# installed when missing, and so is Debian's ffmpeg (ffprobe probes the test media it makes), and
# Node.js with npm (the Jellyfin SDK test runs @jellyfin/sdk under node), and Debian's HAProxy
# (the cluster tests put it in front of two API processes).
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
apt_updated=""

apt_install() {
    if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

wait_for() {  # wait_for DESCRIPTION COMMAND...
    local description=$1; shift
    for _ in $(seq 1 50); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.2
    done
    echo "services: $description did not come up" >&2
    return 1
}

ensure_postgres() {
    if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        :
    else
        if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
            echo "services: installing PostgreSQL" >&2
            apt_install postgresql
            local hba
            hba=$(ls /etc/postgresql/*/main/pg_hba.conf)
            # Local test cluster only: trust loopback connections, as on the project's machines.
            $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
        fi
        echo "services: starting PostgreSQL" >&2
        $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
        wait_for "PostgreSQL" pg_isready -q -h 127.0.0.1 -p 5432
    fi
    if ! psql -h 127.0.0.1 -U postgres -d test -Atc "SELECT 1" >/dev/null 2>&1; then
        psql -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null
    fi
}

ensure_pg_tools() {  # the backup tests run pg_dump and pg_restore
    if command -v pg_dump >/dev/null && command -v pg_restore >/dev/null; then return 0; fi
    echo "services: installing pg_dump and pg_restore" >&2
    apt_install postgresql-client
}

ensure_redis() {
    if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then return 0; fi
    if ! command -v redis-server >/dev/null; then
        echo "services: installing Redis" >&2
        apt_install redis-server
    fi
    echo "services: starting Redis" >&2
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    wait_for "Redis" sh -c 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG'
}

ensure_chromium() {
    if command -v chromium >/dev/null; then return 0; fi
    echo "services: installing chromium" >&2
    apt_install chromium
}

ensure_ffmpeg() {
    if command -v ffprobe >/dev/null && command -v ffmpeg >/dev/null; then return 0; fi
    echo "services: installing ffmpeg" >&2
    apt_install ffmpeg
}

ensure_haproxy() {
    if command -v haproxy >/dev/null; then return 0; fi
    echo "services: installing HAProxy" >&2
    apt_install haproxy
}

ensure_node() {
    if command -v node >/dev/null && command -v npm >/dev/null; then return 0; fi
    echo "services: installing Node.js and npm" >&2
    apt_install nodejs npm
}

ensure_postgres
ensure_pg_tools
ensure_redis
ensure_chromium
ensure_ffmpeg
ensure_haproxy
ensure_node
