#!/usr/bin/env bash
# bench/run.sh - `make bench`: kefu under wrk on loopback, next to nginx as this machine's ceiling.
#
# 1. A temporary demo database (`kefu init --demo`) grows to demo size through the API:
#    BENCH_CUSTOMERS customers and BENCH_PROJECTS projects, POSTed with curl.
# 2. The same wrk load (-t2 -c64, --latency, BENCH_DURATION seconds each) runs against
#      read:  GET /api/v1/projects/{id} with a Bearer token (ids at random over the table)
#      write: POST /api/v1/customers with a JSON body, a distinct name per request
#    on kefu and on nginx (one worker, fixed small JSON body, access_log off, own temp prefix).
# 3. It prints req/s, p50, p99, non-2xx, socket errors, where the CPU went (server, wrk, rest of
#    the machine, idle), kefu's peak RSS (VmHWM) and a summary with PASS/MISS per target.
#
# Timing never fails the run: exit 0 unless something broke (a tool missing, a server that does
# not start, seeding that fails). Everything lives in one temp dir, removed on exit and Ctrl-C.
#
# Settings (environment): BENCH_DURATION=10 BENCH_WARMUP=2 BENCH_THREADS=2 BENCH_CONNS=64
#   BENCH_CUSTOMERS=300 BENCH_PROJECTS=200 BENCH_STATUS=0 (1: count every status code in a wrk
#   response() hook too; costs client CPU) KEFU_BIN=build/kefu BENCH_KEEP=0 (1: keep the temp dir)
#
# Usage: bench/run.sh [sqlite|postgresql]   (default sqlite; postgresql starts a throwaway
# PostgreSQL with scripts/pg.sh in the temp dir and runs kefu on it)
set -euo pipefail

cd "$(dirname "$0")/.."
ENGINE=${1:-${BENCH_ENGINE:-sqlite}}
case $ENGINE in sqlite | postgresql) ;; *)
	echo "usage: bench/run.sh [sqlite|postgresql]" >&2
	exit 2
	;;
esac
BENCH_DIR=$PWD/bench
DUR=${BENCH_DURATION:-10}
WARM=${BENCH_WARMUP:-2}
THREADS=${BENCH_THREADS:-2}
CONNS=${BENCH_CONNS:-64}
NCUST=${BENCH_CUSTOMERS:-300}
NPROJ=${BENCH_PROJECTS:-200}
KEFU=${KEFU_BIN:-build/kefu}
STATUS_ARG=""
[ "${BENCH_STATUS:-0}" = 1 ] && STATUS_ARG=status

# Targets of the issue.
TARGET_READ_RATIO=50 # % of nginx's req/s
TARGET_WRITE_RPS=5000
TARGET_RSS_MB=50

say() { printf '%s\n' "$*"; }
die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

# ---- tools ----
need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_pkgs+=(nginx-light)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
	if [ "$(id -u)" = 0 ]; then
		say "bench: installing ${need_pkgs[*]}"
		export DEBIAN_FRONTEND=noninteractive
		if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null; }; then
			die "apt-get install ${need_pkgs[*]} failed"
		fi
	else
		die "missing tools; run as root: apt-get install -y --no-install-recommends ${need_pkgs[*]}"
	fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$KEFU" ] || make --no-print-directory build/kefu >/dev/null || die "cannot build $KEFU"
KEFU=$(realpath "$KEFU")

# ---- temp dir, servers, cleanup ----
TMP=$(mktemp -d /tmp/kefu-bench.XXXXXX)
KEFU_PID=""
NGINX_PID=""
CHILD_PID=""

# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if [ -n "$CHILD_PID" ]; then
		kill -TERM "$CHILD_PID" 2>/dev/null
		wait "$CHILD_PID" 2>/dev/null
	fi
	stop_pid "$KEFU_PID"
	stop_pid "$NGINX_PID"
	if [ -n "${PGDIR:-}" ]; then
		scripts/pg.sh stop "$PGDIR"
		rm -rf "$PGDIR"
	fi
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "bench: kept $TMP"
	else
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'say "bench: interrupted"; exit 130' INT TERM

# ---- CPU accounting: where the cores went during a run ----
CLK_TCK=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8, $5+$6; exit}' /proc/stat; } # busy idle
proc_ticks() { # pid and its children (nginx: master + worker); kefu's threads are in its own line
	local p t=0 x
	for p in $1 $(pgrep -P "$1" 2>/dev/null || true); do
		x=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12+$13}') || x=0
		t=$((t + ${x:-0}))
	done
	echo "$t"
}
child_ticks() { # CPU of the shell's waited-for children (wrk), from the `times` builtin
	# `times` runs in this shell (a pipe or $(...) would ask a fresh subshell); run_wrk reads the file.
	times >"$TMP/times"
}
child_ticks_read() {
	awk -v hz="$CLK_TCK" 'NR==2 {
		n = split($0, f, /[ms ]+/); s = 0
		for (i = 1; i + 1 <= n; i += 2) if (f[i] != "") s += f[i] * 60 + f[i + 1]
		printf "%d\n", s * hz }' "$TMP/times"
}
kb_of() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# ---- kefu ----
PGDIR=""
if [ "$ENGINE" = postgresql ]; then
	PGDIR=$(mktemp -d /tmp/kefu-bench-pg.XXXXXX) # beside $TMP: the postgres user cannot enter $TMP
	pgport=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})' 2>/dev/null ||
		echo 55499)
	PGADMIN=$(scripts/pg.sh start "$PGDIR" "$pgport") || die "cannot start PostgreSQL"
	psql "$PGADMIN" -qAtc "CREATE DATABASE kefu" >/dev/null || die "createdb failed"
	DB=${PGADMIN%/postgres}/kefu
	say "bench: engine: PostgreSQL $(psql "$DB" -qAtc 'SHOW server_version') at $DB (synchronous_commit on)"
else
	DB=$TMP/kefu.db
	say "bench: engine: SQLite $(pkg-config --modversion sqlite3 2>/dev/null) (WAL, synchronous=FULL)"
fi
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "bench: machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# What one durable write costs on this disk right now (the writer's COMMIT waits for one).
SYNC_US=$(dd if=/dev/zero of="$TMP/sync.probe" bs=4k count=200 oflag=dsync 2>&1 |
	awk '/copied/ {for (i = 1; i <= NF; i++) if ($i == "s,") printf "%.0f", $(i - 1) * 1e6 / 200}')
rm -f "$TMP/sync.probe"
say "bench: disk: one 4 KiB write + fdatasync (dd oflag=dsync, in $TMP) takes ${SYNC_US:-?} us"
"$KEFU" init --db "$DB" --demo >/dev/null 2>"$TMP/init.log" || die "kefu init failed: $(cat "$TMP/init.log")"
TOKEN=$("$KEFU" token create cm --db "$DB" 2>>"$TMP/init.log") || die "kefu token create failed"
KLOG=$TMP/kefu.log
"$KEFU" serve --db "$DB" --listen 127.0.0.1:0 2>"$KLOG" &
KEFU_PID=$!
KPORT=""
for ((i = 0; i < 100; i++)); do
	KPORT=$(sed -n '1s|^kefu: listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$KLOG")
	[ -n "$KPORT" ] && break
	kill -0 "$KEFU_PID" 2>/dev/null || die "kefu serve exited: $(cat "$KLOG")"
	sleep 0.05
done
[ -n "$KPORT" ] || die "kefu serve did not say where it listens"
KURL=http://127.0.0.1:$KPORT

# ---- nginx: one worker, fixed body, its own prefix; a random loopback port, retried if taken ----
NDIR=$TMP/nginx
mkdir -p "$NDIR"
NBODY='{"id":1,"code":"BJ-2026-001","name":"bench","stage":"construction"}'
NPORT=""
for ((try = 0; try < 8; try++)); do
	port=$((20000 + RANDOM % 40000))
	cat >"$NDIR/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $NDIR/nginx.pid;
error_log $NDIR/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	default_type application/json;
	keepalive_requests 10000000;
	client_body_temp_path $NDIR/body;
	proxy_temp_path $NDIR/proxy;
	fastcgi_temp_path $NDIR/fastcgi;
	uwsgi_temp_path $NDIR/uwsgi;
	scgi_temp_path $NDIR/scgi;
	server {
		listen 127.0.0.1:$port;
		location / { return 200 '$NBODY'; }
	}
}
EOF
	"$NGINX" -p "$NDIR" -e "$NDIR/error.log" -c "$NDIR/nginx.conf" 2>>"$NDIR/stderr.log" &
	NGINX_PID=$!
	for ((i = 0; i < 50; i++)); do
		kill -0 "$NGINX_PID" 2>/dev/null || break
		if curl -fs -o /dev/null "http://127.0.0.1:$port/"; then
			NPORT=$port
			break
		fi
		sleep 0.05
	done
	[ -n "$NPORT" ] && break
	stop_pid "$NGINX_PID"
	NGINX_PID=""
done
[ -n "$NPORT" ] || die "nginx did not start: $(tail -3 "$NDIR/error.log" "$NDIR/stderr.log" 2>/dev/null)"
NURL=http://127.0.0.1:$NPORT

# ---- seed: demo size, through the API ----
# One curl process per batch (keep-alive, 16 in parallel); every answer must be 201.
seed() { # name config
	local codes
	codes=$(curl -s --no-progress-meter --parallel --parallel-max 16 --max-time 60 -K "$2" 2>>"$TMP/seed.log") ||
		die "seeding $1: curl failed: $(tail -3 "$TMP/seed.log")"
	local ok bad
	ok=$(grep -c '^201$' <<<"$codes" || true)
	bad=$(grep -vc '^201$' <<<"$codes" || true)
	[ "$bad" = 0 ] || die "seeding $1: $bad answers were not 201: $(grep -v '^201$' <<<"$codes" | sort | uniq -c | tr '\n' ' ')"
	echo "$ok"
}
auth_lines() {
	printf 'header = "Authorization: Bearer %s"\nheader = "Content-Type: application/json"\n' "$TOKEN"
	printf 'output = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n'
}
t_seed=$(date +%s.%N)
{
	for ((i = 1; i <= NCUST; i++)); do
		printf 'url = "%s/api/v1/customers"\n' "$KURL"
		auth_lines
		printf 'data = "{\\"name\\":\\"演示客户%04d建设集团有限公司\\",\\"contact\\":\\"李工\\",' "$i"
		printf '\\"phone\\":\\"010-8%07d\\",\\"email\\":\\"c%d@example.com\\",' "$i" "$i"
		printf '\\"address\\":\\"北京市海淀区中关村大街%d号\\"}"\n' "$i"
		[ "$i" -lt "$NCUST" ] && printf 'next\n'
	done
} >"$TMP/customers.curl"
n_cust=$(seed customers "$TMP/customers.curl")
mapfile -t customer_ids < <(curl -fs -H "Authorization: Bearer $TOKEN" "$KURL/api/v1/customers" |
	grep -o '"id":[0-9]*,"name"' | grep -o '[0-9]*')
[ "${#customer_ids[@]}" -gt 0 ] || die "no customers listed after seeding"
{
	for ((i = 1; i <= NPROJ; i++)); do
		cid=${customer_ids[$((i % ${#customer_ids[@]}))]}
		printf 'url = "%s/api/v1/projects"\n' "$KURL"
		auth_lines
		printf 'data = "{\\"code\\":\\"BENCH-%04d\\",\\"name\\":\\"压测项目%04d号住宅楼及地下车库工程\\",\\"customer_id\\":%d}"\n' \
			"$i" "$i" "$cid"
		[ "$i" -lt "$NPROJ" ] && printf 'next\n'
	done
} >"$TMP/projects.curl"
n_proj=$(seed projects "$TMP/projects.curl")
curl -fs -H "Authorization: Bearer $TOKEN" "$KURL/api/v1/projects" |
	grep -o '{"id":[0-9]*,"code"' | grep -o '[0-9]*' >"$TMP/project_ids"
n_ids=$(wc -l <"$TMP/project_ids")
[ "$n_ids" -gt 0 ] || die "no projects listed after seeding"
say "bench: seeded $n_cust customers and $n_proj projects in $(awk -v a="$t_seed" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s;" \
	"the read picks among ${#customer_ids[@]} customers' $n_ids projects"

# ---- runs ----
RUN_ID=$(date +%H%M%S)
declare -A R # R[name.key]

# run_wrk NAME SERVER_PID URL SCRIPT ARGS... ; fills R[NAME.*]
run_wrk() {
	local name=$1 pid=$2 url=$3 script=$4
	shift 4
	local out=$TMP/wrk-$name.txt log0=0
	[ "$pid" = "$KEFU_PID" ] && log0=$(wc -l <"$KLOG")
	local m0 s0 c0 m1 s1 c1
	m0=$(machine_ticks)
	s0=$(proc_ticks "$pid")
	child_ticks
	c0=$(child_ticks_read)
	run_child "$out" wrk -t"$THREADS" -c"$CONNS" -d"${DUR}s" --latency -s "$BENCH_DIR/$script" "$url" -- "$@" ||
		die "wrk $name failed: $(tail -5 "$out")"
	m1=$(machine_ticks)
	s1=$(proc_ticks "$pid")
	child_ticks
	c1=$(child_ticks_read)
	local line
	line=$(grep '^WRK_RESULT ' "$out") || die "wrk $name printed no result: $(tail -5 "$out")"
	for kv in ${line#WRK_RESULT }; do
		R[$name.${kv%%=*}]=${kv#*=}
	done
	# wrk's own line (printed only when nonzero) must agree with done()'s count.
	local non2xx
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' "$out")
	R[$name.non2xx]=${non2xx:-${R[$name.non2xx]}}
	R[$name.sockerr]=$((${R[$name.connect]} + ${R[$name.read]} + ${R[$name.write]} + ${R[$name.timeout]}))
	R[$name.rps]=$(awk -v n="${R[$name.requests]}" -v d="${R[$name.duration_us]}" 'BEGIN{printf "%.0f", n / (d / 1e6)}')
	# Cores used over the run: the server, wrk, the rest of the machine (other processes and
	# kernel softirq time for loopback), and idle.
	local secs
	secs=$(awk -v d="${R[$name.duration_us]}" 'BEGIN{print d / 1e6}')
	read -r mb0 mi0 <<<"$m0"
	read -r mb1 mi1 <<<"$m1"
	R[$name.cpu]=$(awk -v a="$s0" -v b="$s1" -v c="$c0" -v d="$c1" -v x="$mb0" -v y="$mb1" -v i="$mi0" -v j="$mi1" \
		-v hz="$CLK_TCK" -v s="$secs" 'BEGIN{
		srv = (b - a) / hz / s; cl = (d - c) / hz / s; busy = (y - x) / hz / s; idle = (j - i) / hz / s
		rest = busy - srv - cl; if (rest < 0) rest = 0
		printf "%.2f %.2f %.2f %.2f", srv, cl, rest, idle }')
	# Server CPU time per request: robust against a busy machine, unlike req/s.
	R[$name.us_req]=$(awk -v c="${R[$name.cpu]}" -v r="${R[$name.rps]}" 'BEGIN{split(c, x, " "); printf "%.0f", (r > 0 ? x[1] * 1e6 / r : 0)}')
	# kefu's own account of the run: status codes and its error lines.
	if [ "$pid" = "$KEFU_PID" ]; then
		tail -n +"$((log0 + 1))" "$KLOG" >"$TMP/log-$name.txt"
		R[$name.srvstatus]=$(awk '$1 ~ /^(GET|POST|PUT|PATCH|DELETE)$/ {n[$3]++}
			END {for (s in n) printf "%s%s:%d", (k++ ? "," : ""), s, n[s]}' "$TMP/log-$name.txt")
		R[$name.srv5xx]=$(awk '$1 ~ /^(GET|POST)$/ && $3 >= 500 {n++} END {print n + 0}' "$TMP/log-$name.txt")
		grep '^kefu: ' "$TMP/log-$name.txt" | sort | uniq -c | sort -rn | head -5 >"$TMP/errlines-$name.txt" || true
	fi
	local stat=""
	[ -n "${R[$name.status]:-}" ] && stat=" statuses ${R[$name.status]}"
	[ -n "${R[$name.srvstatus]:-}" ] && stat="$stat (kefu's log: ${R[$name.srvstatus]})"
	printf 'bench: %-12s %8s req/s  p50 %7s  p99 %7s  non-2xx %s  socket errors %s  cores srv/wrk/rest/idle %s  srv CPU %sus/req%s\n' \
		"$name" "${R[$name.rps]}" "$(ms "${R[$name.p50_us]}")" "$(ms "${R[$name.p99_us]}")" \
		"${R[$name.non2xx]}" "${R[$name.sockerr]}" "$(tr ' ' / <<<"${R[$name.cpu]}")" "${R[$name.us_req]}" "$stat"
	if [ -s "$TMP/errlines-$name.txt" ] 2>/dev/null && [ "$pid" = "$KEFU_PID" ]; then
		say "bench:   kefu's stderr during $name (count, line):"
		sed 's/^/bench:     /' "$TMP/errlines-$name.txt"
	fi
}
ms() { awk -v u="$1" 'BEGIN{ if (u < 1000) printf "%dus", u; else printf "%.2fms", u / 1000 }'; }

warm() { # url script args...: a short unmeasured run
	local url=$1 script=$2
	shift 2
	[ "$WARM" -gt 0 ] || return 0
	run_child /dev/null wrk -t"$THREADS" -c"$CONNS" -d"${WARM}s" -s "$BENCH_DIR/$script" "$url" -- "$@" || true
}

say "bench: wrk -t$THREADS -c$CONNS -d${DUR}s --latency, loopback; kefu $KURL, nginx $NURL (1 worker)"
warm "$KURL" read.lua "$TOKEN" "$TMP/project_ids"
run_wrk kefu-read "$KEFU_PID" "$KURL" read.lua "$TOKEN" "$TMP/project_ids" $STATUS_ARG
warm "$NURL" read.lua "$TOKEN" "$TMP/project_ids"
run_wrk nginx-read "$NGINX_PID" "$NURL" read.lua "$TOKEN" "$TMP/project_ids" $STATUS_ARG
run_wrk kefu-write "$KEFU_PID" "$KURL" write.lua "$TOKEN" "$RUN_ID" $STATUS_ARG
run_wrk nginx-write "$NGINX_PID" "$NURL" write.lua "$TOKEN" "$RUN_ID" $STATUS_ARG

# ---- after the runs: memory, and were the acknowledged writes stored? ----
KEFU_HWM=$(kb_of "$KEFU_PID" VmHWM)
KEFU_RSS=$(kb_of "$KEFU_PID" VmRSS)
NGINX_HWM=0
for p in $NGINX_PID $(pgrep -P "$NGINX_PID" 2>/dev/null || true); do
	h=$(kb_of "$p" VmHWM)
	[ "${h:-0}" -gt "$NGINX_HWM" ] && NGINX_HWM=$h
done
stored=""
if [ "$ENGINE" = postgresql ]; then
	stored=$(psql "$DB" -qAtc "SELECT count(*) FROM customers WHERE name LIKE '压测客户 $RUN_ID-%'" 2>/dev/null) || stored=""
elif command -v sqlite3 >/dev/null 2>&1; then
	stored=$(sqlite3 "file:$DB?mode=ro" "PRAGMA busy_timeout=5000;" \
		"SELECT count(*) FROM customers WHERE name LIKE '压测客户 $RUN_ID-%';" 2>/dev/null | tail -1) || stored=""
fi
stop_pid "$KEFU_PID"
KEFU_PID=""
grep -E '^kefu: (SIG|stopped)' "$KLOG" | tail -2 | sed 's/^/bench: /' || true
stop_pid "$NGINX_PID"
NGINX_PID=""

# ---- summary ----
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.0f", 100 * a / b; else print 0 }'; }
read_ratio=$(ratio "${R[kefu-read.rps]}" "${R[nginx-read.rps]}")
write_ratio=$(ratio "${R[kefu-write.rps]}" "${R[nginx-write.rps]}")
hwm_mb=$(awk -v k="$KEFU_HWM" 'BEGIN{printf "%.1f", k / 1024}')

say ""
say "== kefu bench on $ENGINE $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, wrk -t$THREADS -c$CONNS -d${DUR}s, loopback =="
printf '%-6s %-6s %9s %6s %9s %9s %8s %8s %8s  %s\n' test server req/s "%ngx" p50 p99 non-2xx sockerr "us/req" "cores srv/wrk/rest/idle"
for t in read write; do
	for s in kefu nginx; do
		n=$s-$t
		pct="-"
		[ "$s" = kefu ] && pct="$(ratio "${R[$n.rps]}" "${R[nginx-$t.rps]}")%"
		printf '%-6s %-6s %9s %6s %9s %9s %8s %8s %8s  %s\n' "$t" "$s" "${R[$n.rps]}" "$pct" \
			"$(ms "${R[$n.p50_us]}")" "$(ms "${R[$n.p99_us]}")" "${R[$n.non2xx]}" "${R[$n.sockerr]}" \
			"${R[$n.us_req]}" "$(tr ' ' / <<<"${R[$n.cpu]}")"
	done
done
say "us/req: server CPU time per request; cores: server / wrk / rest of the machine / idle during the run"
say "disk: 4 KiB dsync write ${SYNC_US:-?} us; load average at the start $LOAD0"
say "kefu peak RSS (VmHWM) ${hwm_mb} MB (VmRSS at the end $((KEFU_RSS / 1024)) MB); nginx worker VmHWM $((NGINX_HWM / 1024)) MB"
kefu_201=$(awk -F'[:,]' '{for (i = 1; i < NF; i += 2) if ($i == "201") print $(i + 1)}' <<<"${R[kefu-write.srvstatus]:-}")
if [ -n "$stored" ]; then
	say "writes: kefu answered ${kefu_201:-0} POSTs with 201 (wrk saw ${R[kefu-write.requests]} answers); rows stored: $stored"
fi
say ""
verdict() { # ok? label
	if [ "$1" = 1 ]; then say "PASS  $2"; else say "MISS  $2"; fi
}
errs=$((${R[kefu-read.non2xx]} + ${R[kefu-write.non2xx]} + ${R[kefu-read.sockerr]} + ${R[kefu-write.sockerr]}))
verdict "$([ "$read_ratio" -ge "$TARGET_READ_RATIO" ] && echo 1)" \
	"authenticated read >= ${TARGET_READ_RATIO}% of nginx: ${R[kefu-read.rps]} / ${R[nginx-read.rps]} req/s = ${read_ratio}%"
verdict "$([ "${R[kefu-write.rps]}" -ge "$TARGET_WRITE_RPS" ] && echo 1)" \
	"durable writes >= $TARGET_WRITE_RPS/s: ${R[kefu-write.rps]}/s (${write_ratio}% of nginx's ${R[nginx-write.rps]})"
verdict "$([ "$errs" = 0 ] && echo 1)" \
	"zero non-2xx under load: read ${R[kefu-read.non2xx]}, write ${R[kefu-write.non2xx]} (socket errors: read ${R[kefu-read.sockerr]}, write ${R[kefu-write.sockerr]})"
verdict "$(awk -v k="$KEFU_HWM" -v t="$TARGET_RSS_MB" 'BEGIN{ if (k > 0 && k < t * 1024) print 1 }')" \
	"server RSS < $TARGET_RSS_MB MB: VmHWM ${hwm_mb} MB"
rest_max=$(printf '%s\n' "${R[kefu-read.cpu]}" "${R[nginx-read.cpu]}" "${R[kefu-write.cpu]}" "${R[nginx-write.cpu]}" |
	awk '$3 > m {m = $3} END {print m + 0}')
if awk -v m="$rest_max" 'BEGIN{ exit !(m > 0.3) }'; then
	say "note: up to $rest_max cores went to the rest of the machine during a run (other processes," \
		"kernel softirq); the figures are low by that much. Rerun on a quiet machine to compare."
fi
say "BENCH_RESULT engine=$ENGINE date=$(date -u +%Y-%m-%dT%H:%M:%SZ) read_rps=${R[kefu-read.rps]} nginx_read_rps=${R[nginx-read.rps]}" \
	"read_pct=$read_ratio read_p50_us=${R[kefu-read.p50_us]} read_p99_us=${R[kefu-read.p99_us]}" \
	"write_rps=${R[kefu-write.rps]} nginx_write_rps=${R[nginx-write.rps]} write_p50_us=${R[kefu-write.p50_us]}" \
	"write_p99_us=${R[kefu-write.p99_us]} non2xx=$((${R[kefu-read.non2xx]} + ${R[kefu-write.non2xx]}))" \
	"sockerr=$((${R[kefu-read.sockerr]} + ${R[kefu-write.sockerr]})) hwm_kb=$KEFU_HWM sync_us=${SYNC_US:-0}" \
	"us_req_read=${R[kefu-read.us_req]} us_req_nginx_read=${R[nginx-read.us_req]} us_req_write=${R[kefu-write.us_req]}" \
	"cpu_read=${R[kefu-read.cpu]// /,} cpu_write=${R[kefu-write.cpu]// /,} cpu_nginx_read=${R[nginx-read.cpu]// /,}"
exit 0
