#!/usr/bin/env bash
# The README's pictures, from the real app: builds it, starts it on a fresh data directory (127.0.0.1, a free port),
# runs two Synthetic ingestions (20,000 products, two epochs of one catalog), and saves screenshots taken by headless
# Debian Chromium (PIPELINE_CHROMIUM overrides /usr/bin/chromium) into docs/images/. Re-runnable; takes about a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Pipeline.Web -c Release -v quiet -nologo
dotnet build tools/screenshots -c Release -v quiet -nologo
dotnet tools/screenshots/bin/Release/net10.0/Pipeline.Screenshots.dll \
  --app Pipeline.Web/bin/Release/net10.0/Pipeline.Web.dll --out docs/images "$@"
