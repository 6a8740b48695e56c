#!/bin/sh
# Installs weft from the tarball `npm pack` makes (dependencies bundled: no registry needed) with a
# pinned Node, or removes it again. Run as root. Idempotent: installing twice leaves the same files.
#
#   install.sh install weft-X.Y.Z.tgz [--node PATH]   PATH: a node binary, or a Node release tarball
#                                                      (node-vN-linux-x64.tar.xz); default: `node`
#                                                      on PATH. Node >= 22.19 (the repo pins 24).
#   install.sh uninstall
#
# What it writes (and uninstall removes):
#   /opt/weft/node/bin/node          a copy of the given Node: weft never follows a system upgrade
#   /opt/weft/lib/weft/              the package (dist, docs, share, bundled node_modules)
#   /opt/weft/bin/weft, weft-cni     wrappers running the package on that Node
#   /opt/weft/bin/weft-notify-exec   the unit's ExecStart helper (see scripts/weft-notify-exec)
#   /usr/local/bin/weft              symlink to /opt/weft/bin/weft
#   /etc/systemd/system/weft.service the unit (scripts/weft.service)
#   /etc/bash_completion.d/weft      bash completion
#   /etc/weft/weft.toml              docs/weft.example.toml, only if absent; uninstall removes it only
#                                    while it is still the unchanged example
#   /opt/cni/bin/weft-cni, /etc/cni/net.d/10-weft.conflist   by `weft cni install`
# The service is not enabled or started: edit /etc/weft/weft.toml, then `systemctl enable --now weft`.
set -eu

prefix=/opt/weft
unit=/etc/systemd/system/weft.service
link=/usr/local/bin/weft
completion=/etc/bash_completion.d/weft
config=/etc/weft/weft.toml

die() {
  echo "weft install: $*" >&2
  exit 1
}

systemd_running() { [ -d /run/systemd/system ]; }

# mkdir -p, noting in $prefix/.created-dirs each directory that did not exist yet (parents first),
# so that uninstall removes /opt/cni/bin or /etc/cni/net.d only if weft made them.
make_dir() {
  dir=$1
  missing=
  while [ ! -d "$dir" ]; do
    missing="$dir
$missing"
    dir=$(dirname "$dir")
  done
  mkdir -p "$1"
  printf '%s' "$missing" >>"$prefix/.created-dirs"
}

# Prints the path of a usable node binary taken from $1 (binary or release tarball) into $2.
install_node() {
  source=$1
  target=$2
  mkdir -p "$target/bin"
  case "$source" in
    *.tar.xz | *.tar.gz)
      scratch=$(mktemp -d)
      tar -xf "$source" -C "$scratch" --strip-components=1 --wildcards '*/bin/node' || die "no bin/node in $source"
      install -m 0755 "$scratch/bin/node" "$target/bin/node.new"
      rm -rf "$scratch"
      ;;
    *) install -m 0755 "$source" "$target/bin/node.new" ;;
  esac
  mv -f "$target/bin/node.new" "$target/bin/node"
  version=$("$target/bin/node" -p 'process.versions.node') || die "$source does not run"
  major=${version%%.*}
  minor=${version#*.}
  minor=${minor%%.*}
  if [ "$major" -lt 22 ] || { [ "$major" -eq 22 ] && [ "$minor" -lt 19 ]; }; then
    die "Node $version from $source is too old: weft needs >= 22.19"
  fi
  echo "$version" >"$target/VERSION"
}

write_wrapper() {
  # $1 path, $2 entry inside the package
  printf '#!/bin/sh\n# written by weft install.sh\nexec %s %s "$@"\n' "$prefix/node/bin/node" "$prefix/lib/weft/$2" >"$1.new"
  chmod 0755 "$1.new"
  mv -f "$1.new" "$1"
}

do_install() {
  tarball=$1
  node=$2
  [ -f "$tarball" ] || die "no such tarball: $tarball"
  if [ -z "$node" ]; then node=$(command -v node) || die "no node on PATH; pass --node PATH"; fi
  node=$(readlink -f "$node")

  mkdir -p "$prefix/bin" "$prefix/lib"
  touch "$prefix/.created-dirs"
  for dir in "$(dirname "$link")" "$(dirname "$unit")" "$(dirname "$completion")" "$(dirname "$config")" /opt/cni/bin /etc/cni/net.d; do
    make_dir "$dir"
  done
  install_node "$node" "$prefix/node"

  # Unpack beside the old copy, then swap: a running daemon keeps its files until it restarts.
  staging=$(mktemp -d "$prefix/lib/.weft-XXXXXX")
  tar -xzf "$tarball" -C "$staging" --strip-components=1 --no-same-owner
  [ -f "$staging/dist/src/cli/main.js" ] || die "$tarball is not a weft package (no dist/src/cli/main.js)"
  rm -rf "$prefix/lib/weft.old"
  if [ -d "$prefix/lib/weft" ]; then mv "$prefix/lib/weft" "$prefix/lib/weft.old"; fi
  mv "$staging" "$prefix/lib/weft"
  chmod 0755 "$prefix/lib/weft"
  rm -rf "$prefix/lib/weft.old"

  write_wrapper "$prefix/bin/weft" dist/src/cli/main.js
  write_wrapper "$prefix/bin/weft-cni" dist/cni/main.js
  install -m 0755 "$prefix/lib/weft/scripts/weft-notify-exec" "$prefix/bin/weft-notify-exec"
  ln -sfn "$prefix/bin/weft" "$link"

  install -m 0644 "$prefix/lib/weft/scripts/weft.service" "$unit"
  "$prefix/bin/weft" completion bash >"$completion.new"
  chmod 0644 "$completion.new"
  mv -f "$completion.new" "$completion"
  if [ ! -e "$config" ]; then
    install -m 0644 "$prefix/lib/weft/docs/weft.example.toml" "$config"
  fi

  "$prefix/bin/weft" cni install >/dev/null
  if systemd_running; then systemctl daemon-reload; fi
  echo "weft install: $("$prefix/bin/weft" --version) in $prefix; next: edit $config, then systemctl enable --now weft"
}

do_uninstall() {
  if systemd_running && [ -f "$unit" ]; then
    systemctl disable --now weft.service >/dev/null 2>&1 || true
  fi
  if [ -x "$prefix/bin/weft" ]; then "$prefix/bin/weft" cni uninstall >/dev/null; fi
  rm -f "$unit" "$completion"
  if [ -L "$link" ] && [ "$(readlink "$link")" = "$prefix/bin/weft" ]; then rm -f "$link"; fi
  if [ -f "$config" ] && [ -f "$prefix/lib/weft/docs/weft.example.toml" ] && cmp -s "$config" "$prefix/lib/weft/docs/weft.example.toml"; then
    rm -f "$config"
  elif [ -f "$config" ]; then
    echo "weft install: kept $config (changed since install)"
  fi
  if [ -f "$prefix/.created-dirs" ]; then
    # Deepest first; a directory someone else has put files in since stays.
    tac "$prefix/.created-dirs" | while IFS= read -r dir; do
      if [ -n "$dir" ]; then rmdir "$dir" 2>/dev/null || true; fi
    done
  fi
  rm -rf "$prefix"
  if systemd_running; then systemctl daemon-reload; fi
  echo "weft install: removed"
}

[ "$(id -u)" -eq 0 ] || die "run as root"
command=${1:-}
case "$command" in
  install)
    [ $# -ge 2 ] || die "usage: install.sh install TARBALL [--node PATH]"
    tarball=$2
    shift 2
    node=
    while [ $# -gt 0 ]; do
      case "$1" in
        --node) [ $# -ge 2 ] || die "--node needs a PATH"; node=$2; shift 2 ;;
        --node=*) node=${1#--node=}; shift ;;
        *) die "unknown option $1" ;;
      esac
    done
    do_install "$tarball" "$node"
    ;;
  uninstall) do_uninstall ;;
  *) die "usage: install.sh install TARBALL [--node PATH] | install.sh uninstall" ;;
esac
