#!/usr/bin/env bash
# Installs the Debian packages Jiefen needs, or says exactly what to run when not root.
set -euo pipefail

packages=(
  libsqlite3-mod-spatialite   # SpatiaLite, the embedded database's spatial extension
  fonts-wqy-microhei          # a CJK font for posters and maps
  fonts-dejavu-core           # a Latin-only font: the test that such a font is refused runs
  libzbar0                    # QR decoding in the tests
  chromium                    # the browser the page tests drive (headless)
  wrk                         # the load generator of make bench
)
# PostGIS only where a PostgreSQL server is (or must be) on this machine.
if [ "${REQUIRE_POSTGIS:-0}" = 1 ] || dpkg -s postgresql-15 >/dev/null 2>&1; then
  packages+=(postgresql-15-postgis-3)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "Jiefen needs these system packages. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
