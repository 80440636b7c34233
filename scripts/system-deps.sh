#!/usr/bin/env bash
# Installs the Debian packages one of the commands needs, or says exactly what to run when not
# root. `run` (make run): only what the service needs. `test` and `bench` add their tools, so a
# server never needs a browser or a load generator to start.
set -euo pipefail
role="${1:-run}"

packages=(
  python3 python3-venv        # the virtualenv (a fresh Debian's python3 cannot make one)
  libsqlite3-mod-spatialite   # SpatiaLite, the embedded database's spatial extension
  fonts-wqy-microhei          # a CJK font for posters and maps
)
case "$role" in
  run) ;;
  test)
    packages+=(
      fonts-dejavu-core       # a Latin-only font: the test that such a font is refused runs
      libzbar0                # QR decoding in the tests
      poppler-utils           # pdftotext/pdftoppm read back the mediation PDFs in the tests
      chromium                # the browser the page tests drive (headless)
      nginx                   # the production stack's test runs Debian's nginx (deploy/)
      iproute2                # the scale-out test's hosts are network namespaces (ip netns)
      redis-server            # the scale-out test starts its own Redis on its database host
      postgresql-15-postgis-3 # PostGIS: every database test runs on it too
    ) ;;
  bench)
    packages+=(
      wrk                     # the load generator of make bench
      postgresql-15-postgis-3 # the bench database
    ) ;;
  *) echo "usage: $0 run|test|bench" >&2; exit 2 ;;
esac
# npm installs axe-core (tests/a11y) for the accessibility checks. Debian's package only where no
# npm is on the machine: it conflicts with a Node.js installed from elsewhere (e.g. NodeSource).
if [ "$role" = test ] && ! command -v npm >/dev/null 2>&1; then
  packages+=(npm)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "Jiefen needs these system packages. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Right after a machine boots, unattended upgrades often hold the dpkg and lists locks for a
# while: wait for them (up to 10 minutes) instead of failing.
apt_get() { apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 "$@"; }
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  apt_get update && break
  [ "$attempt" = 10 ] && exit 1
  echo "apt-get update failed (lock held?); trying again in 30 s" >&2
  sleep 30
done
apt_get install -y --no-install-recommends "${missing[@]}"
