# Throw-away PostgreSQL 15 servers for one test. Source it after lib.sh
# (which gives free_port and the EXIT trap this chains to):
#
#   pg_start DIR    initdb and start a server for DIR, on 127.0.0.1 only, on
#                   a free port below the ephemeral range, its unix socket in
#                   the cluster's directory, trust for local connections;
#                   exports PGHOST PGPORT PGUSER PGDATABASE and PG_CONNINFO
#   pg_restart DIR  pg_ctl restart (fast shutdown: the rows are checkpointed)
#   pg_stop DIR     stop it at once (-m immediate) and remove everything
#
# Replication and faults, for the watermark store's tests (none of these
# changes the exported PG* variables):
#
#   pg_start_standby PRIMARY DIR [NAME]
#                   a streaming standby of PRIMARY's server in DIR
#                   (pg_basebackup -R), known to PRIMARY as NAME (its
#                   application_name, default sigil_standby); returns once
#                   PRIMARY sees it streaming
#   pg_sync PRIMARY NAME
#                   makes NAME PRIMARY's synchronous standby
#                   (synchronous_standby_names, synchronous_commit = on):
#                   a commit returns only once NAME has the WAL on disk
#   pg_promote DIR  promotes a standby (pg_ctl promote), returns once it
#                   accepts writes
#   pg_halt DIR     stops DIR's server at once (-m immediate: no shutdown
#                   checkpoint, every session cut), keeping its files
#   pg_resume DIR   starts DIR's server again after pg_halt
#   pg_read_only DIR on|off
#                   default_transaction_read_only for every session, the
#                   open ones included (ALTER SYSTEM and a reload)
#   pg_terminate DIR WHERE
#                   pg_terminate_backend on every client backend of
#                   pg_stat_activity matching the SQL condition WHERE
#                   (say "application_name = 'sigild-a'"), psql's own
#                   session excepted; prints how many
#   pg_hold_lock DIR TABLE SECONDS
#                   in the background, one session takes LOCK TABLE ... IN
#                   ACCESS EXCLUSIVE MODE and holds it for SECONDS; returns
#                   once the lock is granted, with PG_LOCK_PID the psql to
#                   `wait` for
#   pg_freeze DIR, pg_thaw DIR
#                   SIGSTOP and SIGCONT to the server and all its processes:
#                   a server that takes connections (the kernel's backlog)
#                   and statements but answers nothing, as a hung host would
#   pg_port DIR, pg_conninfo DIR, pg_psql DIR [psql arguments]
#                   DIR's port, a libpq conninfo for it, psql on it (-X -q,
#                   ON_ERROR_STOP)
#
# initdb and postgres refuse to run as root, and tests run as root: then the
# server runs as an unprivileged user (postgres if it exists, else nobody)
# in a directory of its own under /tmp, which DIR/cluster points to, since
# DIR itself usually sits in the test's private (0700) temp directory. As
# any other user the cluster is DIR/cluster itself.
#
# fsync is off (PG_FSYNC=on turns it on). No test crashes the machine:
# pg_halt and pg_stop kill the server's processes, and what they had
# written with write(2) stays in the kernel's page cache, so a committed row
# survives them with or without fsync; the same holds for a synchronous
# standby, whose "flushed" WAL is what survives the primary's halt. Only a
# test that cut the power (a VM, a dm-flakey device) would need it on.
declare -F free_port >/dev/null || { echo "pg.sh: source lib.sh first" >&2; return 1; }

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_FSYNC=${PG_FSYNC:-off}
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

pg_port() {
	cat "$1/port"
}

pg_conninfo() {
	printf 'host=127.0.0.1 port=%s user=postgres dbname=postgres sslmode=disable gssencmode=disable connect_timeout=5' \
		"$(pg_port "$1")"
}

pg_psql() {
	local dir=$1
	shift
	psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(pg_port "$dir")" -U postgres -d postgres "$@"
}

# _pg_new DIR: makes the (empty) cluster directory for DIR, remembered for
# the cleanup, in _PG_ROOT (not printed: a command substitution's subshell
# would lose PG_STARTED and PG_OWNER).
_pg_new() {
	local dir=$1 root
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
	_PG_ROOT=$root
}

# _pg_conf ROOT PORT: the settings of every test server, in
# postgresql.conf rather than on pg_ctl's command line, so that a restart
# keeps them (and a standby's copy can override them: the last line wins).
_pg_conf() {
	cat >>"$1/data/postgresql.conf" <<-EOF
		listen_addresses = '127.0.0.1'
		port = $2
		unix_socket_directories = '$1'
		fsync = $PG_FSYNC
		full_page_writes = $PG_FSYNC
		shared_buffers = 16MB
		max_connections = 30
		logging_collector = off
	EOF
}

_pg_ctl_start() {
	local dir=$1 root
	root=$(_pg_root "$dir")
	_pg_as "$root" "$PG_BIN/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 30 start \
		>>"$dir/pg_ctl.log" 2>&1 ||
		{ echo "pg_ctl start failed:"; cat "$dir/pg_ctl.log" "$root/server.log"; return 1; }
}

pg_start() {
	local dir=$1 root port
	_pg_new "$dir" || return 1
	root=$_PG_ROOT
	port=$(free_port)
	echo "$port" >"$dir/port"
	_pg_as "$root" "$PG_BIN/initdb" -D "$root/data" -U postgres -A trust -E UTF8 \
		--locale=C -N >"$dir/initdb.log" 2>&1 ||
		{ echo "initdb failed:"; cat "$dir/initdb.log"; return 1; }
	_pg_conf "$root" "$port"
	_pg_ctl_start "$dir" || return 1
	export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres PGDATABASE=postgres
	PG_CONNINFO=$(pg_conninfo "$dir")
	export PG_CONNINFO
	echo "$PG_CONNINFO"
}

pg_restart() {
	local root
	root=$(_pg_root "$1")
	_pg_as "$root" "$PG_BIN/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 30 -m fast \
		restart >>"$1/pg_ctl.log" 2>&1 ||
		{ echo "pg_ctl restart failed:"; cat "$1/pg_ctl.log" "$root/server.log"; return 1; }
}

# _pg_wait_sql DIR SQL WANT [TRIES]: polls (every 0.1 s) until SQL prints WANT.
_pg_wait_sql() {
	local i got
	for ((i = 0; i < ${4:-300}; i++)); do
		got=$(pg_psql "$1" -tAc "$2" 2>/dev/null) || got=
		[ "$got" = "$3" ] && return 0
		sleep 0.1
	done
	echo "pg: waited in vain for '$2' to give '$3' (last: '$got')" >&2
	return 1
}

pg_start_standby() {
	local primary=$1 dir=$2 name=${3:-sigil_standby} root port
	_pg_new "$dir" || return 1
	root=$_PG_ROOT
	port=$(free_port)
	echo "$port" >"$dir/port"
	# As the server's owner: the copy's files must be its own. -c fast: the
	# backup starts without waiting for a spread checkpoint.
	_pg_as "$root" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$(pg_port "$primary")" \
		-U postgres -D "$root/data" -R -X stream -c fast >"$dir/basebackup.log" 2>&1 ||
		{ echo "pg_basebackup failed:"; cat "$dir/basebackup.log"; return 1; }
	_pg_conf "$root" "$port"
	# -R wrote primary_conninfo; ours names the standby, which is what
	# synchronous_standby_names matches.
	printf "primary_conninfo = 'host=127.0.0.1 port=%s user=postgres application_name=%s'\n" \
		"$(pg_port "$primary")" "$name" >>"$root/data/postgresql.auto.conf"
	_pg_ctl_start "$dir" || return 1
	_pg_wait_sql "$primary" \
		"SELECT state FROM pg_stat_replication WHERE application_name = '$name'" streaming ||
		{ cat "$root/server.log"; return 1; }
	pg_conninfo "$dir"
	echo
}

# After pg_start_standby, never before: ALTER SYSTEM writes the primary's
# postgresql.auto.conf, which a base backup taken later would copy, and a
# promoted standby that waited for a synchronous standby of its own would
# hang every commit.
pg_sync() {
	local primary=$1 name=$2
	pg_psql "$primary" -c "ALTER SYSTEM SET synchronous_standby_names = '$name'" \
		-c "ALTER SYSTEM SET synchronous_commit = on" -c "SELECT pg_reload_conf()" >/dev/null ||
		return 1
	_pg_wait_sql "$primary" \
		"SELECT sync_state FROM pg_stat_replication WHERE application_name = '$name'" sync
}

pg_promote() {
	local root
	root=$(_pg_root "$1")
	_pg_as "$root" "$PG_BIN/pg_ctl" -D "$root/data" -w -t 30 promote >>"$1/pg_ctl.log" 2>&1 ||
		{ echo "pg_ctl promote failed:"; cat "$1/pg_ctl.log" "$root/server.log"; return 1; }
	_pg_wait_sql "$1" "SELECT pg_is_in_recovery()" f
}

pg_halt() {
	local root
	root=$(_pg_root "$1")
	_pg_as "$root" "$PG_BIN/pg_ctl" -D "$root/data" -m immediate -w -t 30 stop \
		>>"$1/pg_ctl.log" 2>&1 ||
		{ echo "pg_ctl stop failed:"; cat "$1/pg_ctl.log"; return 1; }
}

pg_resume() {
	_pg_ctl_start "$1"
}

pg_read_only() {
	local dir=$1 v
	case "$2" in on | off) v=$2 ;; *) echo "pg_read_only: on or off" >&2; return 1 ;; esac
	# The session that turns it off must itself be allowed to write.
	PGOPTIONS="-c default_transaction_read_only=off" pg_psql "$dir" \
		-c "ALTER SYSTEM SET default_transaction_read_only = $v" \
		-c "SELECT pg_reload_conf()" >/dev/null
}

pg_terminate() {
	pg_psql "$1" -tAc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND ($2)"
}

pg_hold_lock() {
	local dir=$1 table=$2 secs=$3 i
	pg_psql "$dir" -c "BEGIN" -c "LOCK TABLE $table IN ACCESS EXCLUSIVE MODE" \
		-c "SELECT pg_sleep($secs)" -c "COMMIT" >/dev/null 2>"$dir/lock.err" &
	PG_LOCK_PID=$!
	for ((i = 0; i < 100; i++)); do
		if [ "$(pg_psql "$dir" -tAc "SELECT count(*) FROM pg_locks l JOIN pg_class c
			ON c.oid = l.relation WHERE c.relname = '$table'
			AND l.mode = 'AccessExclusiveLock' AND l.granted" 2>/dev/null)" = 1 ]; then
			return 0
		fi
		kill -0 "$PG_LOCK_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "pg_hold_lock: no lock on $table:" >&2
	cat "$dir/lock.err" >&2
	return 1
}

# The postmaster and its children (backends, walwriter, ...), by the pid
# file: PG_FROZEN keeps them for pg_thaw, so that it wakes exactly those.
pg_freeze() {
	local root pm
	root=$(_pg_root "$1")
	pm=$(head -n 1 "$root/data/postmaster.pid")
	PG_FROZEN="$pm $(pgrep -P "$pm" | tr '\n' ' ')"
	# shellcheck disable=SC2086
	kill -STOP $PG_FROZEN
}

pg_thaw() {
	# shellcheck disable=SC2086
	kill -CONT $PG_FROZEN 2>/dev/null || true
	PG_FROZEN=
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
	[ -z "${PG_FROZEN:-}" ] || pg_thaw
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
