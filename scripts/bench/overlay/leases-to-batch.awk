# The iproute2 peer of `npm run bench -- overlay-etcd`: flannel's vxlan backend reduced to standard
# tools. Reads `etcdctl watch --prefix <prefix>/subnets/` (per event: PUT, key, value) and feeds,
# per lease, its neighbour and route to `ip -batch -` and its FDB entry to `bridge -batch -`, as
# flannel's handleSubnetEvents does (no checks, no removal: the bench only adds). Any other key
# under the prefix (the bench's sentinel) prints `ready`: the watch is up and caught up.
BEGIN { ipc = "ip -batch -"; brc = "bridge -batch -"; dev = "weft.1" }
$0 == "PUT" {
  getline key
  getline val
  if (key !~ /\/subnets\/[0-9.]+-[0-9]+$/) { print "ready"; fflush(); next }
  sub(/.*\//, "", key)
  split(key, a, "-")
  match(val, /"PublicIP":"[^"]*"/); pub = substr(val, RSTART + 12, RLENGTH - 13)
  match(val, /"VtepMAC":"[^"]*"/); mac = substr(val, RSTART + 11, RLENGTH - 12)
  print "neigh replace " a[1] " lladdr " mac " dev " dev " nud permanent" | ipc
  print "route replace " a[1] "/" a[2] " via " a[1] " dev " dev " onlink" | ipc
  print "fdb replace " mac " dev " dev " dst " pub " self permanent" | brc
  fflush(ipc)
  fflush(brc)
}
