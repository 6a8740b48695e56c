#!/usr/bin/env bash
# Sets up a fresh Debian machine (as root) for weft's demo and tests: the Debian packages of the
# real peers the tests and benchmarks use, then the npm dependencies (which pin Node 24).
# Idempotent: installs only what is missing, and `npm ci` only when the lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  etcd-server        # real etcd for integration tests and the demo
  etcd-client        # etcdctl, for operators poking at the demo and the overlay-etcd bench peer
  mawk               # the overlay-etcd bench peer (awk -W interactive); priority required anyway
  iproute2           # ip netns / veth / vxlan
  iputils-ping       # ping between namespaces
  procps             # sysctl inside namespaces
  iptables           # ip-masq (overlay), exercised inside test namespaces
  bind9-dnsutils     # dig
  systemd            # systemd-analyze (unit score and verify); systemd-notify (notify fallback)
  perl-base          # scripts/weft-notify-exec (the unit's ExecStart helper); Essential anyway
  util-linux         # unshare, nsenter, setpriv, prlimit: the install and unit sandboxes
  shellcheck         # checks install.sh and the vagrant provisioning script
  vagrant            # vagrant validate of vagrant/Vagrantfile (no VMs are started)
  python3            # the test stand-in for systemd's notify socket
  golang-go          # the Go text/template reference renderer (test oracle)
  golang-github-appc-cni-dev    # libcni: the reference CNI runtime driver (test/cni/driver)
  containernetworking-plugins   # bridge + host-local: weft-cni's delegates and the CNI bench baseline
  dnsmasq-base       # DNS peer for forwarding tests and the dnsmasq benchmark
  dnsperf            # DNS benchmark
  nginx              # reverse proxy and backend of the proxy benchmark
  haproxy            # reverse proxy of the proxy benchmark
  wrk                # HTTP load generator (proxy benchmark, reload under load)
  curl               # HTTP client of the admin and proxy tests
  chromium           # headless browser of the status page test (driven by puppeteer-core)
  openssl            # certificates for the proxy's TLS tests
  gnupg              # encrypts the secconf values of the confd crypt tests (cget)
  ca-certificates
  nodejs npm         # only to bootstrap: npm ci installs the pinned Node 24 used by every script
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
# A machine with Node from elsewhere (nodesource, nvm) needs no Debian nodejs/npm.
if command -v npm >/dev/null 2>&1; then
  filtered=()
  for package in "${missing[@]}"; do [[ "$package" == nodejs || "$package" == npm ]] || filtered+=("$package"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if ((${#missing[@]} > 0)); then
  echo "weft setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=node_modules/.weft-lock-stamp
if [[ ! -f "$stamp" ]] || ! cmp -s package-lock.json "$stamp"; then
  echo "weft setup: npm ci"
  # puppeteer-core uses Debian's chromium (above); never fetch a browser of its own.
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
echo "weft setup: ready (node $(node_modules/.bin/node --version) pinned; etcd $(etcd --version | head -1 | awk '{print $3}'))"
