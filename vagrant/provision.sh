#!/bin/sh
# Provisions one VM of vagrant/Vagrantfile (as root, by `vagrant up`): an etcd member of the
# 3-member cluster, weft from the package through scripts/install.sh, and the demo workload.
# Idempotent: `vagrant provision` runs it again without harm.
set -eu

: "${WEFT_NODE_NAME:?}" "${WEFT_NODE_IP:?}" "${WEFT_NODE_INDEX:?}" "${WEFT_ETCD_INITIAL_CLUSTER:?}" "${WEFT_ETCD_ENDPOINTS:?}"
first=${WEFT_FIRST_NODE:-no}
network=10.5.0.0/16

log() { echo "provision $WEFT_NODE_NAME: $*"; }

# The interface that holds this node's private address: the underlay weft builds VXLAN over.
iface=$(ip -o -4 addr show | awk -v ip="$WEFT_NODE_IP" '$4 ~ "^"ip"/" {print $2; exit}')
[ -n "$iface" ] || { echo "no interface has $WEFT_NODE_IP" >&2; exit 1; }

log "Debian packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends etcd-server etcd-client iproute2 iptables curl busybox bind9-dnsutils >/dev/null

log "etcd member (cluster of 3)"
cat >/etc/default/etcd <<CONF
ETCD_NAME=$WEFT_NODE_NAME
ETCD_DATA_DIR=/var/lib/etcd/default
ETCD_LISTEN_PEER_URLS=http://$WEFT_NODE_IP:2380
ETCD_LISTEN_CLIENT_URLS=http://$WEFT_NODE_IP:2379,http://127.0.0.1:2379
ETCD_INITIAL_ADVERTISE_PEER_URLS=http://$WEFT_NODE_IP:2380
ETCD_ADVERTISE_CLIENT_URLS=http://$WEFT_NODE_IP:2379
ETCD_INITIAL_CLUSTER=$WEFT_ETCD_INITIAL_CLUSTER
ETCD_INITIAL_CLUSTER_STATE=new
ETCD_INITIAL_CLUSTER_TOKEN=weft-vagrant
CONF
# Debian starts etcd as a one-member cluster on install; that data dir would refuse the new cluster.
if [ ! -f /var/lib/etcd/.weft-cluster ]; then
  systemctl stop etcd
  rm -rf /var/lib/etcd/default /var/lib/etcd/member
  touch /var/lib/etcd/.weft-cluster
fi
# The first member waits for a quorum, so do not block provisioning on it.
systemctl enable etcd >/dev/null
systemctl restart --no-block etcd

log "weft from the package"
tarball=$(find /vagrant -maxdepth 1 -name 'weft-*.tgz' | sort | tail -n 1)
[ -n "$tarball" ] || { echo "no /vagrant/weft-*.tgz: run 'npm pack --pack-destination vagrant' on the host (vagrant/README.md)" >&2; exit 1; }
node=/vagrant/node
[ -x "$node" ] || { echo "no /vagrant/node: copy the pinned Node there (vagrant/README.md)" >&2; exit 1; }
# install.sh from the package itself: what is installed is exactly what was packed.
tar -xzOf "$tarball" package/scripts/install.sh | sh -s -- install "$tarball" --node "$node"

cat >/etc/weft/weft.toml <<CONF
# written by vagrant/provision.sh
[etcd]
endpoints = ["$(echo "$WEFT_ETCD_ENDPOINTS" | sed 's/,/", "/g')"]

[subnet]
iface = "$iface"
public_ip = "$WEFT_NODE_IP"
ip_masq = true

[dns]
enabled = true
listen = ["127.0.0.1:53", "$WEFT_NODE_IP:53"]
forward = false

[proxy]
enabled = true
listen = ["$WEFT_NODE_IP:8080"]

[log]
format = "text"
CONF
weft config check /etc/weft/weft.toml

log "waiting for the etcd cluster"
# Members come up one VM at a time: the first has no quorum until the second joins, so it does
# not wait long; the network config is then written from the second VM.
if [ "$first" = yes ]; then patience=20; else patience=150; fi
healthy=no
tries=0
while [ "$tries" -lt "$patience" ]; do
  if etcdctl --endpoints "$WEFT_ETCD_ENDPOINTS" endpoint health >/dev/null 2>&1; then healthy=yes; break; fi
  tries=$((tries + 1))
  sleep 2
done
if [ "$healthy" = yes ]; then
  # create-only: a later VM finds it there already
  weft network init --etcd-endpoints "$WEFT_ETCD_ENDPOINTS" --network "$network" --subnet-len 24 --backend vxlan >/dev/null 2>&1 || true
  # shellcheck disable=SC2016 # the backquotes are the proxy rule's own syntax
  weft service add demo --rule 'Host(`demo.weft.internal`)' --health-path / --etcd-endpoints "$WEFT_ETCD_ENDPOINTS" >/dev/null
elif [ "$first" = yes ]; then
  log "etcd has no quorum yet (it comes with $WEFT_NODE_NAME's peers); the network config is written from the next VM"
else
  echo "etcd cluster not healthy after $((patience * 2)) s" >&2
  exit 1
fi

systemctl enable weft.service >/dev/null
systemctl restart --no-block weft.service

log "demo workload: a container serving HTTP, in DNS and behind the proxy"
tries=0
until [ -f /run/flannel/subnet.env ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 60 ]; then
    log "weft has no subnet yet (etcd quorum comes with the next VM); run 'vagrant provision $WEFT_NODE_NAME' afterwards for the demo"
    exit 0
  fi
  sleep 2
done
# shellcheck disable=SC1091 # written by weft at run time
. /run/flannel/subnet.env
gateway=${FLANNEL_SUBNET%/*}
prefix=${FLANNEL_SUBNET#*/}
container=${gateway%.*}.10
if ! ip link show weftbr0 >/dev/null 2>&1; then
  ip link add weftbr0 type bridge
  ip addr add "$gateway/$prefix" dev weftbr0
  ip link set weftbr0 up
fi
if ! ip netns list | grep -qw demo; then
  ip netns add demo
  ip link add demo0 type veth peer name eth0 netns demo
  ip link set demo0 master weftbr0 up
  ip -n demo addr add "$container/$prefix" dev eth0
  ip -n demo link set eth0 up
  ip -n demo link set lo up
  ip -n demo route add default via "$gateway"
  mkdir -p /srv/demo
  echo "hello from the container on $WEFT_NODE_NAME ($container)" >/srv/demo/index.html
  ip netns exec demo busybox httpd -p 8080 -h /srv/demo
fi
weft dns add "web$WEFT_NODE_INDEX.weft.internal" "$container" >/dev/null
weft service register demo "http://$container:8080" --id "$WEFT_NODE_NAME" >/dev/null
log "ready: curl -H 'Host: demo.weft.internal' http://$WEFT_NODE_IP:8080/ ; dig @$WEFT_NODE_IP web$WEFT_NODE_INDEX.weft.internal"
