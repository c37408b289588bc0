#!/usr/bin/env bash
# Installs what sigil needs on Debian 12, asking apt-get only for what is
# missing (through sudo when not root). With --test, also the test tools and
# the npm verifiers the tests check our signatures with.
set -euo pipefail
cd "$(dirname "$0")/.."

want=(gcc make cmake pkg-config libsodium-dev libsecp256k1-dev libssl-dev
      libmicrohttpd-dev libjansson-dev libyaml-dev libcbor-dev libpq-dev libtss2-dev
      libseccomp-dev libp11-kit-dev curl ca-certificates)
if [ "${1:-}" = "--test" ]; then
	want+=(libcmocka-dev clang libclang-rt-14-dev python3 valgrind gdb openssl
	       swtpm swtpm-tools tpm2-tools postgresql softhsm2 opensc)
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches blst for every build (Debian packages none; cmake/blst.cmake),
# unless BLST_DIR or a system libblst provides it; the tests use node too.
need_npm=1
if [ "${1:-}" != "--test" ] && { [ -n "${BLST_DIR:-}" ] || pkg-config --exists libblst 2>/dev/null; }; then
	need_npm=0
fi
if [ $need_npm = 1 ] && { ! command -v node >/dev/null || ! command -v npm >/dev/null; }; then
	missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--test" ]; then
	# Verifiers we did not write. Versions are pinned in tests/js/package.json;
	# no lock file is kept (it would name the registry host).
	if ! node -e 'require("./tests/js/node_modules/@taquito/utils/package.json")' 2>/dev/null ||
	   ! node -e 'require("./tests/js/node_modules/@noble/curves/package.json")' 2>/dev/null ||
	   ! node -e 'require("./tests/js/node_modules/cbor-x/package.json")' 2>/dev/null; then
		echo "deps: installing npm test verifiers"
		(cd tests/js && npm install --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null)
	fi
fi
