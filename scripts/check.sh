#!/usr/bin/env bash
# check.sh - `make check` after the builds: unit tests, fuzzers, API tests, browser tests.
# Every part runs even when an earlier one failed; the last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export KEFU_BIN=${KEFU_BIN:-$PWD/build/asan/kefu}
FUZZ_SECONDS=${FUZZ_SECONDS:-8}

pass=0
fail=0
failed=()
log=$(mktemp -d)
pgdir=""
cleanup() {
	[ -n "$pgdir" ] && scripts/pg.sh stop "$pgdir"
	rm -rf "$log" ${pgdir:+"$pgdir"}
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { printf '\n== %s\n' "$*"; }

# TAP from cmocka and node: count "ok" and "not ok" test lines (not subtests' plans).
count_tap() {
	local file=$1 name=$2 p f
	p=$(grep -cE '^ok ' "$file" || true)
	# cmocka reports a skipped test as "not ok N # SKIP": neither passed nor failed.
	f=$(grep -E '^not ok ' "$file" | grep -vc '# SKIP' || true)
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -gt 0 ]; then
		failed+=("$name")
		grep -E '^not ok ' "$file" | grep -v '# SKIP' | sed 's/^/   /'
	fi
	echo "   $name: $p passed, $f failed"
}

# One throwaway PostgreSQL for the whole run, on a free loopback port; stopped on exit.
note "PostgreSQL for the tests"
pgdir=$(mktemp -d /tmp/kefu-pg.XXXXXX)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
if PG_URI=$(scripts/pg.sh start "$pgdir" "$port"); then
	echo "   $PG_URI"
else
	PG_URI=""
	fail=$((fail + 1))
	failed+=("postgresql-start")
	echo "   could not start PostgreSQL"
fi

note "unit tests (cmocka, ASan+UBSan; store tests on SQLite and PostgreSQL)"
for t in build/asan/unit/test-*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if KEFU_TEST_PG=$PG_URI CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log/$name.tap" 2>"$log/$name.err"; then :; else
		if ! grep -qE '^not ok ' "$log/$name.tap"; then
			echo "not ok - $name crashed" >>"$log/$name.tap"
			cat "$log/$name.err"
		fi
	fi
	count_tap "$log/$name.tap" "$name"
done

note "fuzz targets (libFuzzer, ${FUZZ_SECONDS}s each)"
for t in build/fuzz/fuzz-*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	corpus="$log/corpus-$name"
	mkdir -p "$corpus"
	[ -d "tests/fuzz/seeds/${name#fuzz-}" ] && cp "tests/fuzz/seeds/${name#fuzz-}"/* "$corpus"/ 2>/dev/null
	if "$t" -max_total_time="$FUZZ_SECONDS" -timeout=5 -rss_limit_mb=2048 \
		-artifact_prefix="$log/" "$corpus" >"$log/$name.out" 2>&1; then
		pass=$((pass + 1))
		echo "   $name: ok ($(grep -oE 'Done [0-9]+ runs' "$log/$name.out" | head -1))"
	else
		fail=$((fail + 1))
		failed+=("$name")
		tail -40 "$log/$name.out"
		echo "   $name: FAILED"
	fi
done

run_node() {
	local name=$1
	shift
	if node --test --test-reporter=tap --test-concurrency=2 "$@" >"$log/$name.tap" 2>&1; then :; else
		grep -qE '^not ok ' "$log/$name.tap" || { echo "not ok - $name did not run" >>"$log/$name.tap"; tail -30 "$log/$name.tap"; }
	fi
	# Show the failures' detail: the YAML block after each "not ok".
	grep -qE '^\s*not ok ' "$log/$name.tap" && awk '/^ *not ok /{p=1} p{print} /^ *\.\.\.$/{p=0}' "$log/$name.tap" | head -150
	count_tap "$log/$name.tap" "$name"
}

mapfile -t api < <(ls tests/api/*.test.mjs 2>/dev/null)
note "API tests on SQLite (node:test against $KEFU_BIN over HTTP)"
[ ${#api[@]} -gt 0 ] && run_node api-sqlite "${api[@]}"

note "API tests on PostgreSQL (the throwaway server)"
if [ -n "$PG_URI" ]; then
	[ ${#api[@]} -gt 0 ] && KEFU_TEST_PG=$PG_URI run_node api-postgresql "${api[@]}"
fi

note "browser tests (playwright-core + Debian chromium)"
mapfile -t br < <(ls tests/browser/*.test.mjs 2>/dev/null)
[ ${#br[@]} -gt 0 ] && run_node browser "${br[@]}"

echo
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
