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
# BPMN diagrams (bpmn.io license: keep the watermark and LICENSE). The navigated viewer serves the
# read-only pages (cockpit, dossier path); the modeler is built into the studio bundle below.
fetch bpmn-js@18.31.1 bpmnjs
mkdir -p "$dest/bpmn-js/assets"
cp "$work/bpmnjs/package/dist/bpmn-navigated-viewer.production.min.js" "$dest/bpmn-js/"
cp -r "$work/bpmnjs/package/dist/assets/." "$dest/bpmn-js/assets/"
cp "$work/bpmnjs/package/LICENSE" "$dest/bpmn-js/LICENSE"
# The studio's modeler: bpmn-js Modeler + bpmn-js-properties-panel + dmn-js, with our
# properties group (web/static/studio/*.js), bundled by esbuild into vendor/studio.
# Exact versions, transitive ones included, from scripts/studio/package-lock.json (npm ci).
mkdir -p "$work/build" && cp scripts/studio/package.json scripts/studio/package-lock.json "$work/build/"
(cd "$work/build" && npm ci --silent --no-audit --no-fund)
rm -rf "$dest/studio" && mkdir -p "$dest/studio/licenses"
esbuild="$work/build/node_modules/.bin/esbuild"
NODE_PATH="$work/build/node_modules" "$esbuild" web/static/studio/studio.js --bundle --minify --format=iife \
  --target=es2020 --legal-comments=eof --log-level=warning --outfile="$dest/studio/studio.bundle.js"
NODE_PATH="$work/build/node_modules" "$esbuild" web/static/studio/vendor.css --bundle --minify \
  --loader:.woff=file --loader:.woff2=file --loader:.ttf=file --loader:.eot=file --loader:.svg=file \
  --asset-names='assets/[name]-[hash]' --log-level=warning --outfile="$dest/studio/studio.bundle.css"
for pkg in bpmn-js bpmn-js-properties-panel @bpmn-io/properties-panel dmn-js diagram-js preact; do
  cp "$work/build/node_modules/$pkg/LICENSE" "$dest/studio/licenses/$(echo "$pkg" | tr '/@' '__').LICENSE"
done


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
# Accessibility checks in the browser tests (MPL-2.0): axe-core, injected by Playwright into
# the pages the tests visit (never served to users' pages).
fetch axe-core@4.14.1 axe
rm -rf "$dest/axe-core" && mkdir -p "$dest/axe-core"
cp "$work/axe/package/axe.min.js" "$work/axe/package/LICENSE" "$dest/axe-core/"
echo "vendored into $dest:"; find "$dest" -type f | sort
