#!/usr/bin/env bash
# Fetches and builds blst (BLS12-381, for tz4 keys) into OUT_DIR:
#   OUT_DIR/lib/libblst.a and OUT_DIR/include/{blst.h,blst_aux.h}
# Debian packages no blst. The npm package @chainsafe/blst@0.2.11 ships the
# blst 0.3.10 C sources (later versions ship only prebuilt Node binaries), so
# we take its tarball with `npm pack` (never `npm install`: the package's
# install script fetches prebuilt binaries from elsewhere), check it against
# the integrity hash pinned below, and build with blst's own build.sh.
#
# The tarball is cached under ${SIGIL_CACHE_DIR:-~/.cache/sigil}, keyed by
# version and hash, so a second build tree does not download it again; a
# second run on the same OUT_DIR does nothing.
#
# Usage: scripts/blst.sh OUT_DIR
set -euo pipefail

PKG=@chainsafe/blst
VERSION=0.2.11
# `npm view @chainsafe/blst@0.2.11 dist.integrity`
INTEGRITY=sha512-URyOLq5GtxBoxibOnd2pgLydCy0UZzbiIIBcsRAvGxAsRzjZL04TsQfwRkz5aphU3a1ebeRoMmI/HHyMCiFSQg==
# Bumped whenever the way we build changes, so old build trees rebuild.
RECIPE=1

die() {
	echo "blst: $*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: $0 OUT_DIR"
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
stamp="$out/stamp"
want_stamp="$VERSION $INTEGRITY recipe $RECIPE"

if [ -f "$out/lib/libblst.a" ] && [ -f "$out/include/blst.h" ] &&
   [ "$(cat "$stamp" 2>/dev/null)" = "$want_stamp" ]; then
	exit 0
fi
rm -f "$stamp"

# The hex form of the pinned sha512, to compare with what we compute.
want_hex=$(printf '%s' "${INTEGRITY#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
[ ${#want_hex} -eq 128 ] || die "internal: the pinned integrity value is malformed"

sha512_hex() {
	if command -v openssl >/dev/null; then
		openssl dgst -sha512 -binary "$1" | od -An -v -tx1 | tr -d ' \n'
	else
		sha512sum "$1" | cut -d' ' -f1
	fi
}

verified() {
	[ -f "$1" ] && [ "$(sha512_hex "$1")" = "$want_hex" ]
}

cache=${SIGIL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sigil}
tarball="$cache/chainsafe-blst-$VERSION-${want_hex:0:16}.tgz"
work="$out/work"
rm -rf "$work"
mkdir -p "$work"

if verified "$tarball"; then
	echo "blst: using the cached $PKG@$VERSION tarball"
else
	command -v npm >/dev/null ||
		die "npm is needed to fetch $PKG@$VERSION (run scripts/deps.sh), or point BLST_DIR at a built blst"
	echo "blst: fetching $PKG@$VERSION with npm pack"
	if ! (cd "$work" && npm pack --loglevel=error --no-audit --no-fund "$PKG@$VERSION" >npm-pack.log 2>&1); then
		cat "$work/npm-pack.log" >&2 || true
		die "could not download $PKG@$VERSION (no network or registry?). Set BLST_DIR to a built blst tree to build offline."
	fi
	got=$(ls "$work"/*.tgz 2>/dev/null | head -n1)
	[ -n "$got" ] || die "npm pack produced no tarball"
	verified "$got" ||
		die "$PKG@$VERSION tarball does not match the pinned integrity hash: refusing to build it"
	# Caching is best effort: a read-only home must not stop the build.
	tarball_tmp="$tarball.$$"
	if mkdir -p "$cache" 2>/dev/null && cp "$got" "$tarball_tmp" 2>/dev/null &&
	   mv -f "$tarball_tmp" "$tarball" 2>/dev/null; then
		:
	else
		rm -f "$tarball_tmp" 2>/dev/null || true
		tarball=$got
	fi
fi
# Check again what we are about to unpack: the cache is outside the tree.
verified "$tarball" || die "internal: tarball changed after verification"

tar -xzf "$tarball" -C "$work" package/blst
src="$work/package/blst"
[ -x "$src/build.sh" ] || [ -f "$src/build.sh" ] || die "the tarball holds no blst/build.sh"

# blst's own build, with its own flags: none of our sanitizer or fuzzer flags
# (they would make libblst.a need their runtimes) and the system compiler.
# __BLST_PORTABLE__ picks ADX/SHA code paths at run time, so the library runs
# on any x86-64, not only the CPU that built it.
echo "blst: building libblst.a"
mkdir -p "$work/obj"
if ! (cd "$work/obj" && env -u CFLAGS -u CPPFLAGS -u LDFLAGS -u CROSS_COMPILE -u AR \
	CC=cc sh -e "$src/build.sh" -D__BLST_PORTABLE__ >build.log 2>&1); then
	cat "$work/obj/build.log" >&2 || true
	die "blst's build.sh failed"
fi

mkdir -p "$out/lib" "$out/include"
cp "$work/obj/libblst.a" "$out/lib/libblst.a.tmp"
mv -f "$out/lib/libblst.a.tmp" "$out/lib/libblst.a"
cp "$src/bindings/blst.h" "$src/bindings/blst_aux.h" "$out/include/"
cp "$src/LICENSE" "$out/LICENSE.blst"
rm -rf "$work"
printf '%s\n' "$want_stamp" >"$stamp"
echo "blst: built $out/lib/libblst.a"
