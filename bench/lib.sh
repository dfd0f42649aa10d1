# lib.sh - process helpers shared by bench/run.sh and bench/tickets.sh (sourced, not run).

# Run a command in the background, its output to a file, and wait for it: `wait` returns at once
# on Ctrl-C, so the trap runs then (a foreground wrk would catch SIGINT itself, print its figures
# and let the script go on). CHILD_PID names it meanwhile, for the cleanup trap.
run_child() { # output-file command...
	local rc=0 out=$1
	shift
	"$@" >"$out" 2>&1 &
	CHILD_PID=$!
	wait "$CHILD_PID" || rc=$?
	CHILD_PID=""
	return "$rc"
}

stop_pid() { # pid: TERM, up to 20 s (kefu finishes what is in flight), then KILL
	local pid=$1 i
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
