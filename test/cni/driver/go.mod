module weft.test/cni-driver

go 1.19

require github.com/containernetworking/cni v1.1.2

// Debian's golang-github-appc-cni-dev: builds offline (GOPROXY=off GOFLAGS=-mod=mod).
replace github.com/containernetworking/cni => /usr/share/gocode/src/github.com/containernetworking/cni
