#!/usr/bin/env bash
# Builds the playground into web/dist/: hld's core compiled to WebAssembly
# (the hld-web crate, profile `wasm`), bound to JavaScript by the
# wasm-bindgen CLI of exactly the version Cargo.lock pins (installed once
# under target/, since installing it takes minutes), and the page bundled
# with esbuild from the npm packages of web/package-lock.json.
# docs/playground.md says how to host the result.
set -euo pipefail
web="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$web")"
target="${CARGO_TARGET_DIR:-$root/target}"
# The page downloads the module: it must stay small.
max_wasm_bytes=$((4 * 1024 * 1024))

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$root/Cargo.lock")"
if [ -z "$version" ]; then
  echo "build.sh: Cargo.lock pins no wasm-bindgen" >&2
  exit 1
fi
bindgen="$target/wasm-bindgen-$version/bin/wasm-bindgen"
if [ ! -x "$bindgen" ]; then
  echo "build.sh: installing wasm-bindgen-cli $version under $target (once)" >&2
  cargo install --quiet wasm-bindgen-cli --version "$version" --root "$target/wasm-bindgen-$version"
fi

cargo build --quiet --manifest-path "$root/Cargo.toml" -p hld-web \
  --target wasm32-unknown-unknown --profile wasm
"$bindgen" --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$web/pkg" \
  "$target/wasm32-unknown-unknown/wasm/hld_web.wasm"

if [ ! -d "$web/node_modules" ] || [ "$web/package-lock.json" -nt "$web/node_modules/.package-lock.json" ]; then
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Built aside, then moved into place: a failed build leaves no half page.
staging="$(mktemp -d "$web/.dist.XXXXXX")"
chmod 755 "$staging"
trap 'rm -rf "$staging"' EXIT
cp "$web"/static/* "$staging/"
cp "$web/pkg/hld_web_bg.wasm" "$staging/"
(cd "$web" && npx --no-install esbuild src/main.js --bundle --format=esm --minify \
  --target=es2022 --log-level=warning --outfile="$staging/main.js")
# The service worker's cache is named after this build's files, so an
# update replaces them together (web/static/sw.js).
build_hash="$(cat "$staging/index.html" "$staging/main.js" "$staging/style.css" "$staging/hld_web_bg.wasm" | sha256sum | cut -c1-16)"
sed -i "s/__HLD_BUILD__/$build_hash/" "$staging/sw.js"
# GitHub Pages: serve every file as it is.
touch "$staging/.nojekyll"

size=$(wc -c < "$staging/hld_web_bg.wasm")
if [ "$size" -gt "$max_wasm_bytes" ]; then
  echo "build.sh: hld_web_bg.wasm is $size bytes, over the $max_wasm_bytes allowed" >&2
  exit 1
fi
# The old dist is moved aside before the new one takes its name, so a server
# never sees half a build; a lock keeps two builds from interleaving.
exec 9>"$web/.build.lock"
flock 9
old="$web/.dist.old.$$"
if [ -e "$web/dist" ]; then mv "$web/dist" "$old"; fi
mv "$staging" "$web/dist"
trap - EXIT
rm -rf "$old"
echo "web/dist: $(ls "$web/dist" | tr '\n' ' ')(wasm: $size bytes)"
