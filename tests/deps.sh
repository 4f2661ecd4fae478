#!/bin/sh
# Installs the Debian 12 packages that building and testing tandem need,
# only those missing.  Runs apt-get as root, or through sudo when present.
set -e

PKGS="build-essential pkg-config clang libevent-dev libssl-dev libzstd-dev
zlib1g-dev libjansson-dev libcmocka-dev mariadb-server mariadb-client
python3 openssl sysbench mydumper libsqlite3-dev percona-toolkit
redis-server redis-tools libhiredis-dev"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || {
        echo "deps: missing packages:$missing; run as root or install sudo" >&2
        exit 1
    }
    SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
# Do not let package scripts start services on the build machine.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
