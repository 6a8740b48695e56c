#!/usr/bin/env bash
# Builds confd 0.16.0 offline from a git clone of github.com/kelseyhightower/confd, the way its
# release Makefile does (CGO_ENABLED=0, GitSHA stamped), with the Go on PATH in GOPATH mode: the
# tag vendors every dependency, so nothing is downloaded.
#   test/confd/migration/build-confd.sh <confd git dir> <output binary>
# Files missing from a partial clone are reported and skipped (a mirror here lacked
# vendor/golang.org/x/text/collate/tables.go, which confd does not import).
set -euo pipefail
git_dir=$1
output=$(realpath -m "$2")
tag=v0.16.0
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
src=$work/src/github.com/kelseyhightower/confd
mkdir -p "$src"
sha=$(git --git-dir "$git_dir" rev-parse "$tag^{commit}")
git --git-dir "$git_dir" ls-tree -r "$tag" | while read -r _mode _type object path; do
  mkdir -p "$src/$(dirname "$path")"
  git --git-dir "$git_dir" cat-file blob "$object" >"$src/$path" 2>/dev/null || { echo "build-confd: missing $path (skipped)" >&2; rm -f "$src/$path"; }
done
cd "$src"
GO111MODULE=off GOPATH=$work GOFLAGS= GOPROXY=off GOCACHE=$work/cache CGO_ENABLED=0 \
  go build -ldflags "-X main.GitSHA=${sha:0:7}" -o "$output" .
"$output" -version
