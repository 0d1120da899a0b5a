#!/usr/bin/env bash
# Runs CMD against a real, throwaway PostgreSQL server:
#   scripts/with-postgres.sh CMD [ARG...]
# CMD sees, in its environment,
#   KEYCTL_TEST_POSTGRES      postgres://USER@127.0.0.1:PORT/postgres, a superuser without a
#                             password (trust authentication, on 127.0.0.1 only)
#   KEYCTL_TEST_POSTGRES_CTL  a script taking `stop`, `kill` (immediate shutdown, as in a
#                             crash) or `start`, for the same server: same data, same port
# The server lives in a temporary directory that is removed, with the server stopped, however
# CMD ends; the script exits with CMD's status. When KEYCTL_TEST_POSTGRES is already set (a
# developer's own server), CMD simply runs against it.
# Installs PostgreSQL from Debian's packages when it is missing (as root). As root, which
# initdb and postgres refuse, the server runs as the `postgres` user.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARG...]" >&2
  exit 2
fi
if [ -n "${KEYCTL_TEST_POSTGRES:-}" ]; then
  exec "$@"
fi

say() { echo "with-postgres: $*" >&2; }

# The directory of initdb, pg_ctl, postgres and pg_isready. Debian keeps them in
# /usr/lib/postgresql/<version>/bin, off PATH; a symlink on PATH is followed there.
find_bindir() {
  local initdb
  if initdb=$(command -v initdb); then
    dirname "$(readlink -f "$initdb")"
    return
  fi
  find /usr/lib/postgresql/*/bin -maxdepth 1 -name initdb 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname
}

bindir=$(find_bindir)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "PostgreSQL is not installed; hint: apt-get install postgresql (as root), or set KEYCTL_TEST_POSTGRES to a server of your own"
    exit 1
  fi
  say "installing PostgreSQL from the Debian packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  bindir=$(find_bindir)
  [ -n "$bindir" ] || { say "no initdb after installing postgresql"; exit 1; }
fi
# openssl makes the test certificates.
if ! command -v openssl >/dev/null; then
  [ "$(id -u)" -eq 0 ] || { say "openssl is not installed; hint: apt-get install openssl"; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/keyctl-pg.XXXXXX")
data=$dir/data
log=$dir/server.log
ctl=$dir/ctl

# Stops the server (if it is up: CMD may have stopped it) and removes everything it wrote.
# Runs on every way out, keeping the status the script exits with.
# shellcheck disable=SC2317 # called by the traps below
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -f "$data/postmaster.pid" ]; then
    "$ctl" kill >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" -eq 0 ]; then
  if ! id -u postgres >/dev/null 2>&1; then
    if getent group postgres >/dev/null; then group=(--gid postgres); else group=(--user-group); fi
    useradd --system --no-create-home "${group[@]}" postgres
  fi
  chown postgres: "$dir"
  superuser=postgres
  # From the server's own directory: the caller's may be closed to the postgres user.
  run_as="cd '$dir' && runuser -u postgres --"
else
  superuser=$(id -un)
  run_as=""
fi

# The one way the server is stopped and started, by this script and by the tests alike.
cat >"$ctl" <<EOF
#!/bin/sh
# stop | kill | start the throwaway PostgreSQL server of scripts/with-postgres.sh.
set -eu
case "\${1:-}" in
  stop) $run_as '$bindir/pg_ctl' -D '$data' -m fast -w stop ;;
  kill) $run_as '$bindir/pg_ctl' -D '$data' -m immediate -w stop ;;
  start) $run_as '$bindir/pg_ctl' -D '$data' -l '$log' -w -t 30 start ;;
  *) echo "usage: \$0 stop|kill|start" >&2; exit 2 ;;
esac
EOF
chmod 0755 "$ctl"

as_server() {
  if [ -n "$run_as" ]; then
    (cd "$dir" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# --no-sync: only initdb's own files, and the cluster is thrown away; the server runs synced.
as_server "$bindir/initdb" -D "$data" --username="$superuser" --auth=trust --encoding=UTF8 \
  --locale=C --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; say "initdb failed"; exit 1; }
# Trust, but only over the server's private socket directory and 127.0.0.1.
cat >"$data/pg_hba.conf" <<'EOF'
local all all trust
host all all 127.0.0.1/32 trust
EOF
echo "include 'keyctl-test.conf'" >>"$data/postgresql.conf"

# TLS, for the tests of sslmode=require: a throwaway CA, and a certificate it signed for the
# name localhost only (so that the tests can also reach the server by a name the certificate
# does not cover: 127.0.0.1). Clients trust the CA through KEYCTL_TEST_POSTGRES_CA.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=keyctl test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$data/server.key" -out "$dir/server.csr" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost\n' >"$dir/san.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
  -days 2 -extfile "$dir/san.ext" -out "$data/server.crt" >/dev/null 2>&1
chmod 0600 "$data/server.key"
[ -z "$run_as" ] || chown postgres "$data/server.key" "$data/server.crt"

# A free port: a random one nothing answers on, and another if the server still cannot bind it.
port=
for _ in $(seq 1 20); do
  candidate=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    continue
  fi
  cat >"$data/keyctl-test.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $candidate
unix_socket_directories = '$dir'
# The tests check durability (a commit survives the server going down), so every commit
# reaches the disk, as in production; the speed of an unsynced server would be a lie.
fsync = on
synchronous_commit = on
full_page_writes = on
# Three keyctl servers, each with its pool, and the tests' own connections.
max_connections = 300
log_min_messages = warning
log_checkpoints = off
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
EOF
  rm -f "$log" # so that the clash below is this attempt's
  if "$ctl" start >/dev/null 2>&1; then
    port=$candidate
    break
  fi
  if ! grep -q 'could not bind\|Address already in use' "$log" 2>/dev/null; then
    cat "$log" >&2 2>/dev/null || true
    say "the server did not start"
    exit 1
  fi
done
[ -n "$port" ] || { say "no free port after 20 tries"; exit 1; }

# Ready when it accepts connections on the address the tests use.
for _ in $(seq 1 300); do
  if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U "$superuser"; then
    ready=1
    break
  fi
  sleep 0.1
done
if [ -z "${ready:-}" ]; then
  cat "$log" >&2
  say "the server did not accept connections within 30 s"
  exit 1
fi

export KEYCTL_TEST_POSTGRES="postgres://$superuser@127.0.0.1:$port/postgres"
export KEYCTL_TEST_POSTGRES_CTL=$ctl
export KEYCTL_TEST_POSTGRES_CA=$dir/ca.pem
# psql for the tests' own statements, should the client not be on PATH.
export PATH="$PATH:$bindir"
set +e
if [ -t 0 ]; then
  # At a terminal CMD stays in the foreground, where it can read and Ctrl-C reaches it.
  "$@"
  exit $?
fi
# Elsewhere (CI, pipes) CMD runs as a process group of its own, so that a signal to this script
# alone ends all of CMD (cargo and its test binary) before the server goes: a shell would
# otherwise defer its traps until a foreground command ends, and leave CMD's children behind.
set -m
"$@" &
child=$!
set +m
# shellcheck disable=SC2317 # called by the traps below
forward() {
  kill -TERM -- "-$child" 2>/dev/null
  wait "$child"
  exit "$1"
}
trap 'forward 130' INT
trap 'forward 143' TERM
wait "$child"
