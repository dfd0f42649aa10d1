#!/usr/bin/env bash
# pg.sh - a throwaway PostgreSQL for tests, in a temporary folder on a loopback port.
#   scripts/pg.sh start DIR PORT   -> prints the admin URI (database "postgres", user "app")
#   scripts/pg.sh stop DIR
# PG_OPTS, if set, adds server options to start's (e.g. "-c shared_buffers=6GB").
# initdb refuses to run as root, so as root the cluster runs as the "postgres" user.
set -euo pipefail
cmd=$1 dir=$2
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "pg.sh: PostgreSQL server binaries not found" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case $cmd in
start)
	port=$3
	mkdir -p "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	as_pg "$PGBIN/initdb" -D "$dir/data" -U app --auth=trust -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
	opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on"
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/pg.log" -w -t 30 -o "$opts ${PG_OPTS:-}" \
		start >/dev/null || { cat "$dir/pg.log" >&2; exit 1; }
	echo "postgresql://app@127.0.0.1:$port/postgres"
	;;
stop)
	[ -d "$dir/data" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
	;;
restart-immediate)
	as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w restart >/dev/null
	;;
*)
	echo "usage: pg.sh start DIR PORT | stop DIR | restart-immediate DIR" >&2
	exit 2
	;;
esac
