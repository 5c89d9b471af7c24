#!/usr/bin/env bash
# LiveKit's server for the LiveKit end-to-end test: built once from its Go module (through the Go module proxy) into
# cache/livekit-server/<version>/, then reused; prints the binary's path. Pinned at v1.13.5: from v1.13.6 on, its
# go.mod replaces pion's webrtc, ice and dtls with LiveKit forks that the Go module proxy does not serve.
set -euo pipefail
VERSION=v1.13.5
cd "$(dirname "$0")/.."
OUT="$PWD/cache/livekit-server/$VERSION/livekit-server"
if [ ! -x "$OUT" ]; then
  command -v go >/dev/null || { echo "livekit-server.sh: Go is needed to build LiveKit's server" >&2; exit 1; }
  SRC=$(go mod download -json "github.com/livekit/livekit-server@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  mkdir -p "$(dirname "$OUT")"
  # The module is built as the main module, in place in the module cache (go build writes nothing there).
  (cd "$SRC" && go build -buildvcs=false -trimpath -o "$OUT.partial" ./cmd/server) >&2
  mv "$OUT.partial" "$OUT"
fi
echo "$OUT"
