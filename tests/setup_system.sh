#!/usr/bin/env bash
# Install the Debian packages the tests use (nginx, Chromium) when they are missing.
set -euo pipefail

missing=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "tests/setup_system.sh: not root, cannot install ${missing[*]}; those tests will skip" >&2
    exit 0
fi
echo "installing ${missing[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
# Debian's nginx package starts a server on port 80 when installed; the tests run their own.
if command -v nginx >/dev/null 2>&1 && [ -f /run/nginx.pid ]; then
    nginx -s stop 2>/dev/null || true
fi
