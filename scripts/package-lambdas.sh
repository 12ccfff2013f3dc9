#!/usr/bin/env bash
# Builds the Lambda deployment packages that terraform/lambda.tf uploads:
#   artifacts/lambda/trigger_ingestion.zip, fetch_product_data.zip, transform_products.zip
#
# Target: the managed "dotnet10" runtime on arm64 (Graviton: about 20 % cheaper per GB-second than x86_64), so the
# app is published framework-dependent (--self-contained false) for linux-arm64. The three functions share one
# assembly; the same publish output is zipped once per function, and each function's handler string picks its entry
# point (Pipeline.Lambdas::Pipeline.Lambdas.<Name>Function::HandleAsync).
#
# The zips are reproducible: files are added in sorted order with a fixed timestamp and no extra attributes, so an
# unchanged build gives byte-identical zips, the same source_code_hash, and no needless Lambda update.
#
# Usage: scripts/package-lambdas.sh            (needs the .NET 10 SDK and zip)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
project="$root/Pipeline.Lambdas/Pipeline.Lambdas.csproj"
out_dir="$root/artifacts/lambda"
publish_dir="$out_dir/publish"
functions=(trigger_ingestion fetch_product_data transform_products)
max_zip_bytes=$((50 * 1024 * 1024)) # direct-upload limit of CreateFunction/UpdateFunctionCode

fail() { echo "package-lambdas: $*" >&2; exit 1; }

command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is not on PATH."
command -v zip >/dev/null || fail "zip is not installed (Debian/Ubuntu: apt-get install zip)."
[[ -f "$project" ]] || fail "$project not found."

rm -rf "$publish_dir"
mkdir -p "$out_dir"

echo "Publishing Pipeline.Lambdas (Release, linux-arm64, framework-dependent) ..."
# UseAppHost=false: Lambda loads the assembly itself, no native launcher is needed.
dotnet publish "$project" \
  --configuration Release \
  --runtime linux-arm64 \
  --self-contained false \
  --output "$publish_dir" \
  -p:GenerateRuntimeConfigurationFiles=true \
  -p:UseAppHost=false \
  -p:DebugType=None \
  -p:Deterministic=true \
  --nologo

[[ -f "$publish_dir/Pipeline.Lambdas.dll" ]] || fail "publish produced no Pipeline.Lambdas.dll in $publish_dir."
[[ -f "$publish_dir/Pipeline.Lambdas.runtimeconfig.json" ]] || fail "publish produced no runtimeconfig.json."

# Fixed timestamps (zip's earliest date) make the archives reproducible.
find "$publish_dir" -exec touch -h -d "1980-01-02 00:00:00" {} +

for function in "${functions[@]}"; do
  zip_path="$out_dir/$function.zip"
  rm -f "$zip_path"
  (cd "$publish_dir" && find . -type f | LC_ALL=C sort | sed 's|^\./||' | TZ=UTC zip -q -X -D "$zip_path" -@)
  size=$(stat -c %s "$zip_path")
  (( size <= max_zip_bytes )) || fail "$zip_path is $size bytes, over the 50 MiB direct-upload limit; upload through S3 instead."
  echo "  $zip_path  $size bytes  sha256 $(sha256sum "$zip_path" | cut -d' ' -f1)"
done

rm -rf "$publish_dir"
echo "Done. Next: cd terraform && terraform init && terraform plan"
