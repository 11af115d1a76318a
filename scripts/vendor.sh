#!/usr/bin/env bash
# Vendors the front-end packages the pages use into web/static/vendor, from the npm registry.
# Run by `make vendor`; the result is committed, so the running app loads nothing from the
# internet and `make run` needs no npm. Pin versions here, bump them deliberately.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=web/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch PACKAGE@VERSION -> unpacked in $work/NAME
  local spec=$1 name=$2
  (cd "$work" && npm pack --silent "$spec" >/dev/null && mkdir -p "$name" && tar -xzf ./*.tgz -C "$name" && rm ./*.tgz)
}

# Arabic text face for right-to-left pages (SIL Open Font License).
fetch @fontsource/noto-naskh-arabic@5.3.0 naskh
mkdir -p "$dest/noto-naskh-arabic"
for w in 400 700; do
  cp "$work/naskh/package/files/noto-naskh-arabic-arabic-$w-normal.woff2" "$dest/noto-naskh-arabic/"
done
cp "$work/naskh/package/LICENSE" "$dest/noto-naskh-arabic/LICENSE"

# PDF rendering of the plans in the commission room (Apache-2.0): the ES module build, its
# worker, the CMaps and standard fonts it fetches for non-embedded fonts, and the WebAssembly
# decoders (JPEG 2000, JBIG2, ICC colour; with their plain-JS fallbacks, which the CSP without
# 'wasm-unsafe-eval' makes pdf.js use) — all served from /static/vendor/pdfjs.
fetch pdfjs-dist@6.5.438 pdfjs
rm -rf "$dest/pdfjs" && mkdir -p "$dest/pdfjs"
# As .js, not .mjs: a module script needs a JavaScript MIME type and not every mime table maps
# .mjs; and at the top, not under build/, which .gitignore skips.
cp "$work/pdfjs/package/build/pdf.min.mjs" "$dest/pdfjs/pdf.min.js"
cp "$work/pdfjs/package/build/pdf.worker.min.mjs" "$dest/pdfjs/pdf.worker.min.js"
cp -r "$work/pdfjs/package/cmaps" "$work/pdfjs/package/standard_fonts" "$work/pdfjs/package/wasm" \
  "$work/pdfjs/package/iccs" "$dest/pdfjs/"
rm "$dest"/pdfjs/wasm/quickjs-eval.*  # the sandbox for scripts inside PDFs: never enabled here
cp "$work/pdfjs/package/LICENSE" "$dest/pdfjs/LICENSE"

# Socket.IO client for the room's live channel (MIT), the browser ES module build.
fetch socket.io-client@4.8.4 socketio
rm -rf "$dest/socket.io" && mkdir -p "$dest/socket.io"
cp "$work/socketio/package/dist/socket.io.esm.min.js" "$dest/socket.io/"
cp "$work/socketio/package/LICENSE" "$dest/socket.io/LICENSE"
echo "vendored into $dest:"; find "$dest" -type f | sort
