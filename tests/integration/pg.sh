# A throw-away PostgreSQL 15 for one test. Source it after lib.sh (which
# gives free_port and the EXIT trap this chains to):
#
#   pg_start DIR    initdb and start a server for DIR, on 127.0.0.1 only, on
#                   a free port below the ephemeral range, its unix socket in
#                   the cluster's directory, trust for local connections;
#                   exports PGHOST PGPORT PGUSER PGDATABASE and PG_CONNINFO
#   pg_restart DIR  pg_ctl restart (fast shutdown: the rows are checkpointed)
#   pg_stop DIR     stop it at once (-m immediate) and remove everything
#
# initdb and postgres refuse to run as root, and tests run as root: then the
# server runs as an unprivileged user (postgres if it exists, else nobody)
# in a directory of its own under /tmp, which DIR/cluster points to, since
# DIR itself usually sits in the test's private (0700) temp directory. As
# any other user the cluster is DIR/cluster itself.
declare -F free_port >/dev/null || { echo "pg.sh: source lib.sh first" >&2; return 1; }

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_STARTED=()

# Runs a PostgreSQL program as the cluster's owner, from a directory it may
# enter.
_pg_as() {
	local root=$1
	shift
	if [ "$(id -u)" = 0 ]; then
		(cd "$root" && runuser -u "$PG_OWNER" -- "$@")
	else
		(cd "$root" && "$@")
	fi
}

# The cluster directory of DIR (after pg_start).
_pg_root() {
	readlink -f "$1/cluster"
}

pg_start() {
	local dir=$1 root port
	[ -x "$PG_BIN/initdb" ] || { echo "pg_start: no PostgreSQL 15 in $PG_BIN" >&2; return 1; }
	mkdir -p "$dir"
	if [ "$(id -u)" = 0 ]; then
		PG_OWNER=nobody
		if id -u postgres >/dev/null 2>&1; then PG_OWNER=postgres; fi
		root=$(mktemp -d /tmp/sigil-pg.XXXXXX)
		chown "$PG_OWNER:" "$root"
		ln -s "$root" "$dir/cluster"
	else
		root=$dir/cluster
		mkdir -p "$root"
	fi
	chmod 700 "$root"
	PG_STARTED+=("$dir")
	port=$(free_port)
	_pg_as "$root" "$PG_BIN/initdb" -D "$root/data" -U postgres -A trust -E UTF8 \
		--locale=C -N >"$dir/initdb.log" 2>&1 ||
		{ echo "initdb failed:"; cat "$dir/initdb.log"; return 1; }
	# In postgresql.conf rather than on pg_ctl's command line, so that
	# a restart keeps them. fsync off: a test's cluster need not survive
	# the machine, only a restart, which checkpoints.
	cat >>"$root/data/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $port
		unix_socket_directories = '$root'
		fsync = off
		full_page_writes = off
		shared_buffers = 16MB
		max_connections = 20
		logging_collector = off
	EOF
	_pg_as "$root" "$PG_BIN/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 30 start \
		>"$dir/pg_ctl.log" 2>&1 ||
		{ echo "pg_ctl start failed:"; cat "$dir/pg_ctl.log" "$root/server.log"; return 1; }
	export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
	export PG_CONNINFO="host=127.0.0.1 port=$port user=postgres dbname=postgres sslmode=disable gssencmode=disable connect_timeout=5"
	echo "$PG_CONNINFO"
}

pg_restart() {
	local root
	root=$(_pg_root "$1")
	_pg_as "$root" "$PG_BIN/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 30 -m fast \
		restart >>"$1/pg_ctl.log" 2>&1 ||
		{ echo "pg_ctl restart failed:"; cat "$1/pg_ctl.log" "$root/server.log"; return 1; }
}

pg_stop() {
	local dir=$1 root pid
	[ -e "$dir/cluster" ] || return 0
	root=$(_pg_root "$dir")
	if [ -f "$root/data/postmaster.pid" ]; then
		_pg_as "$root" "$PG_BIN/pg_ctl" -D "$root/data" -m immediate -w -t 10 stop \
			>/dev/null 2>&1 || true
		# Whatever pg_ctl could not stop: the postmaster by its pid file.
		if [ -f "$root/data/postmaster.pid" ]; then
			pid=$(head -n 1 "$root/data/postmaster.pid")
			[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
		fi
	fi
	rm -rf "$root"
	rm -rf "$dir/cluster"
}

_pg_cleanup() {
	local d
	for d in "${PG_STARTED[@]}"; do pg_stop "$d"; done
	PG_STARTED=()
}

# The command of a `trap -p` line ("trap -- 'cmd' EXIT"), in a function so
# that the caller's positional parameters stay as they are.
_pg_trap_cmd() {
	eval "set -- $1"
	printf '%s' "${3:-}"
}

# Every server started is stopped at exit, before lib.sh's cleanup removes
# the test's directory.
_pg_prev_trap=$(trap -p EXIT)
[ -z "$_pg_prev_trap" ] || _pg_prev_trap=$(_pg_trap_cmd "$_pg_prev_trap")
trap '_pg_cleanup; '"${_pg_prev_trap:-:}" EXIT
