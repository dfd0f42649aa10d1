#!/bin/sh
# deps.sh - install the Debian packages kefu needs to build, run and test, when missing.
# As root it runs apt-get; otherwise it prints the one command to run.
set -eu

PKGS="gcc make pkg-config libevent-dev libjansson-dev libsqlite3-dev libsodium-dev \
libcmocka-dev libpq-dev postgresql clang libclang-rt-14-dev sqlite3 nodejs npm chromium \
fonts-wqy-microhei"
[ "${KEFU_DEPS_EXTRA:-}" ] && PKGS="$PKGS $KEFU_DEPS_EXTRA"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# npm is sometimes provided outside Debian's package (a newer npm on the image): accept it.
case "$missing" in *" npm"*) command -v npm >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ npm//');; esac

if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "deps: installing$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "deps: missing Debian packages; run as root:"
		echo "  apt-get update && apt-get install -y --no-install-recommends$missing"
		exit 1
	fi
fi

# Test tools from npm (playwright-core drives Debian's chromium; no browser is downloaded).
if [ "${KEFU_DEPS_NPM:-1}" = 1 ] && [ -f package-lock.json ]; then
	if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
		PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	fi
fi
