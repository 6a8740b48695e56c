// weft's reference CNI runtime: drives a conflist through libcni exactly as containerd and
// podman's CNI backend do (NewCNIConfigWithCacheDir, ConfListFromFile, Add/Check/DelNetworkList).
//
//	driver add|check|del NETNS CONTAINERID IFNAME CONFLIST [--args K=V;...] [--capability-args JSON]
//	       [--cni-path DIR:DIR] [--cache-dir DIR] [--timeout 60s] [--time]
//	driver gc CONFLIST [--valid-attachments JSON]
//	driver status CONFLIST
//
// libcni 1.1.2 (Debian's) predates STATUS and GC (CNI 1.1.0): gc and status exec each plugin of
// the list directly, with the config libcni 1.2 would build (name, cniVersion "1.1.0", and for GC
// "cni.dev/valid-attachments"). Unlike libcni 1.2's GCNetworkList, gc does not first DEL the
// runtime's cached attachments: it tests the plugin's own GC.
//
// CNI_PATH (or --cni-path) lists the plugin dirs; the cache dir defaults to libcni's /var/lib/cni.
// ADD prints the result JSON; CHECK and DEL print {}. A failure prints the plugin's CNI error JSON
// (code, msg, details) on stdout and exits 1; bad usage exits 2. --time adds "elapsedMs" (the libcni
// call only, without this process's start) to a one-line wrapper {"result":...,"elapsedMs":N}.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/types"
)

type options struct {
	command, netns, containerID, ifName, conflist string
	args                                          [][2]string
	capabilityArgs                                map[string]interface{}
	cniPath                                       []string
	cacheDir                                      string
	timeout                                       time.Duration
	timed                                         bool
	validAttachments                              []map[string]string
}

func usage(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "driver: "+format+"\nusage: driver add|check|del NETNS CONTAINERID IFNAME CONFLIST [--args K=V;...] [--capability-args JSON] [--cni-path DIRS] [--cache-dir DIR] [--timeout D] [--time]\n       driver gc CONFLIST [--valid-attachments JSON]\n       driver status CONFLIST\n", a...)
	os.Exit(2)
}

// parseArgs reads CNI_ARGS-style "K=V;K=V" into libcni's pairs (the runtime's RuntimeConf.Args).
func parseArgs(s string) [][2]string {
	var pairs [][2]string
	for _, kv := range strings.Split(s, ";") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			usage("--args entry %q is not K=V", kv)
		}
		pairs = append(pairs, [2]string{k, v})
	}
	return pairs
}

func parse(argv []string) options {
	o := options{cacheDir: "", timeout: 60 * time.Second}
	if env := os.Getenv("CNI_PATH"); env != "" {
		o.cniPath = filepath.SplitList(env)
	}
	var positional []string
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		value := func() string {
			if i+1 >= len(argv) {
				usage("%s needs a value", a)
			}
			i++
			return argv[i]
		}
		switch a {
		case "--args":
			o.args = parseArgs(value())
		case "--capability-args":
			if err := json.Unmarshal([]byte(value()), &o.capabilityArgs); err != nil {
				usage("--capability-args is not a JSON object: %v", err)
			}
		case "--cni-path":
			o.cniPath = filepath.SplitList(value())
		case "--cache-dir":
			o.cacheDir = value()
		case "--timeout":
			d, err := time.ParseDuration(value())
			if err != nil {
				usage("--timeout: %v", err)
			}
			o.timeout = d
		case "--valid-attachments":
			if err := json.Unmarshal([]byte(value()), &o.validAttachments); err != nil {
				usage("--valid-attachments is not a JSON array of {containerID, ifname}: %v", err)
			}
		case "--time":
			o.timed = true
		default:
			if strings.HasPrefix(a, "--") {
				usage("unknown flag %s", a)
			}
			positional = append(positional, a)
		}
	}
	if len(positional) == 2 && (positional[0] == "gc" || positional[0] == "status") {
		o.command, o.conflist = positional[0], positional[1]
	} else if len(positional) == 5 {
		o.command, o.netns, o.containerID, o.ifName, o.conflist = positional[0], positional[1], positional[2], positional[3], positional[4]
	} else {
		usage("wrong number of arguments")
	}
	if len(o.cniPath) == 0 {
		o.cniPath = []string{"/opt/cni/bin"}
	}
	return o
}

func main() {
	o := parse(os.Args[1:])
	list, err := libcni.ConfListFromFile(o.conflist)
	if err != nil {
		fail(err)
	}
	cni := libcni.NewCNIConfigWithCacheDir(o.cniPath, o.cacheDir, nil)
	rt := &libcni.RuntimeConf{
		ContainerID:    o.containerID,
		NetNS:          o.netns,
		IfName:         o.ifName,
		Args:           o.args,
		CapabilityArgs: o.capabilityArgs,
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	started := time.Now()
	var out interface{} = struct{}{}
	switch o.command {
	case "add":
		var result types.Result
		result, err = cni.AddNetworkList(ctx, list, rt)
		if err == nil {
			out = result
		}
	case "check":
		err = cni.CheckNetworkList(ctx, list, rt)
	case "del":
		err = cni.DelNetworkList(ctx, list, rt)
	case "gc", "status":
		err = execEachPlugin(ctx, cni, list, strings.ToUpper(o.command), o.validAttachments)
	default:
		usage("unknown command %q", o.command)
	}
	elapsed := time.Since(started)
	if err != nil {
		fail(err)
	}
	if o.timed {
		out = map[string]interface{}{"result": out, "elapsedMs": float64(elapsed.Microseconds()) / 1000}
	}
	emit(out)
}

func emit(v interface{}) {
	data, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "driver: cannot encode output: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(append(data, '\n'))
}

// fail prints the plugin's CNI error when libcni passes one up (wrapped), else a code-less error.
func fail(err error) {
	var cniErr *types.Error
	if errors.As(err, &cniErr) {
		emit(map[string]interface{}{"code": cniErr.Code, "msg": cniErr.Msg, "details": cniErr.Details, "error": err.Error()})
	} else {
		emit(map[string]interface{}{"code": 0, "msg": err.Error(), "error": err.Error()})
	}
	os.Exit(1)
}

// execEachPlugin runs GC or STATUS on every plugin of the list, as libcni 1.2 does: the plugin's
// config with name and cniVersion injected, env CNI_COMMAND and CNI_PATH (the others empty).
func execEachPlugin(ctx context.Context, cni *libcni.CNIConfig, list *libcni.NetworkConfigList, command string, valid []map[string]string) error {
	inject := map[string]interface{}{"name": list.Name, "cniVersion": "1.1.0"}
	if command == "GC" {
		attachments := valid
		if attachments == nil {
			attachments = []map[string]string{}
		}
		inject["cni.dev/valid-attachments"] = attachments
	}
	exec := &invoke.DefaultExec{RawExec: &invoke.RawExec{Stderr: os.Stderr}}
	for _, plugin := range list.Plugins {
		path, err := exec.FindInPath(plugin.Network.Type, cni.Path)
		if err != nil {
			return err
		}
		conf, err := libcni.InjectConf(plugin, inject)
		if err != nil {
			return err
		}
		args := &invoke.Args{Command: command, Path: strings.Join(cni.Path, string(os.PathListSeparator))}
		if err := invoke.ExecPluginWithoutResult(ctx, path, conf.Bytes, args, exec); err != nil {
			return fmt.Errorf("plugin type=%q failed (%s): %w", plugin.Network.Type, strings.ToLower(command), err)
		}
	}
	return nil
}
