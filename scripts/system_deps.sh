#!/usr/bin/env bash
# System packages some tests need, from Debian: headless Chromium (the report page is opened and captured
# in a real browser), Chinese fonts (so the capture shows characters, not boxes) and PostgreSQL (Airflow's
# production metadata database, started by the tests themselves on a private port).
# Idempotent and quiet when everything is present; needs root (apt-get), as on CI and developer machines.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -d /usr/share/fonts/opentype/noto ] || need+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "system_deps: missing ${need[*]}; run as root: apt-get install -y ${need[*]}" >&2
    # on a developer's machine the tests that need them skip; in CI a skipped browser or Postgres test
    # would hide a regression, so CI fails here instead
    [ -n "${CI:-}" ] && exit 1
    exit 0
fi
echo "system_deps: installing ${need[*]} (once)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts a cluster on install; the tests run their own server on a private port instead.
if command -v service >/dev/null 2>&1; then service postgresql stop >/dev/null 2>&1 || true; fi
