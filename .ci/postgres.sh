# shellcheck shell=bash
# Install (Debian packages), start and prepare a local PostgreSQL for the `postgres` tests.
# Meant to be sourced by .ci/run: idempotent, quiet, never changes the caller's shell options,
# exports RECSVC_TEST_POSTGRES_URL and prints the export line. Returns non-zero on failure.

_recsvc_pg_setup() {
    local user="recsvc" password="recsvc" db="recsvc_test" port version
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null || return 1
        apt-get install -y -qq postgresql >/dev/null || return 1
    fi
    version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1 || true)"
    [ -n "$version" ] || { echo "postgres.sh: no PostgreSQL server found" >&2; return 1; }
    if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
        pg_createcluster "$version" main >/dev/null || return 1
    fi
    port="$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')"
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
        pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null || return 1
    fi
    local i
    for i in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p "$port" && break
        sleep 1
    done
    pg_isready -q -h 127.0.0.1 -p "$port" || { echo "postgres.sh: server not ready" >&2; return 1; }
    (cd / && su postgres -c "psql -q -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = '$user'\"" | grep -q 1) \
        || (cd / && su postgres -c "psql -q -p $port -c \"CREATE ROLE $user LOGIN PASSWORD '$password'\"" >/dev/null) \
        || return 1
    (cd / && su postgres -c "psql -q -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = '$db'\"" | grep -q 1) \
        || (cd / && su postgres -c "createdb -p $port -O $user $db" >/dev/null) \
        || return 1
    export RECSVC_TEST_POSTGRES_URL="postgresql+psycopg://$user:$password@127.0.0.1:$port/$db"
    echo "export RECSVC_TEST_POSTGRES_URL=$RECSVC_TEST_POSTGRES_URL"
}

_recsvc_pg_setup
