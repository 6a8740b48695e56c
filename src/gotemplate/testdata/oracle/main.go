// The Go reference renderer for weft's text/template port (standard library only).
//
// Built into a temp dir by oracle.ts beside it (`npm run oracle`, the differential tests, the
// benchmark); see src/gotemplate/README.md, "Proof".
//
// Batch mode (default): reads a JSON array of cases on stdin, writes a JSON array of results.
//
//	case:   {"id", "templates": [{"name","text"}], "data", "missingkey", "delims": [l, r], "entry"}
//	result: {"id", "ok", "out", "err", "phase": "parse"|"exec"}
//
// Bench mode: `oracle bench N` reads one case on stdin, parses and renders it N times, prints
// {"msPerRender": x}.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/template"
	"time"
)

type namedText struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

type testCase struct {
	ID         string          `json:"id"`
	Templates  []namedText     `json:"templates"`
	Data       json.RawMessage `json:"data"`
	MissingKey string          `json:"missingkey"`
	Delims     []string        `json:"delims"`
	Entry      string          `json:"entry"`
}

type result struct {
	ID    string `json:"id"`
	OK    bool   `json:"ok"`
	Out   string `json:"out"`
	Err   string `json:"err,omitempty"`
	Phase string `json:"phase,omitempty"`
}

func mayfail(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty input")
	}
	if strings.HasPrefix(s, "bad") {
		return "", fmt.Errorf("bad input %q", s)
	}
	return "ok:" + s, nil
}

// KV, KVs, SRV and Box stand for the Go structs confd's functions return (memkv.KVPair,
// memkv.KVPairs, *net.SRV); the times are fixed instants, never time.Now, so runs compare.
type KV struct {
	Key   string
	Value string
}

func (kv KV) Full() string                  { return kv.Key + "=" + kv.Value }
func (kv KV) Join(sep string, n int) string { return kv.Key + sep + kv.Value + sep + strconv.Itoa(n) }
func (kv KV) Self() KV                      { return kv }
func (kv KV) Any() interface{}              { return kv.Value }
func (kv KV) Check(s string) (string, error) {
	if s == "" {
		return "", errors.New("empty check")
	}
	return kv.Value + s, nil
}

type KVs []KV

type SRV struct {
	Target   string
	Port     uint16
	Priority uint16
	Weight   uint16
}

type Box struct {
	Name string
	Pair KV
	Ptr  *KV
	Tags []string
	Any  interface{}
	N    int
	At   time.Time
}

var fixedTime = time.Date(2009, 11, 10, 23, 4, 5, 123456789, time.UTC)

func kvs(kv ...string) KVs {
	out := KVs{}
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, KV{kv[i], kv[i+1]})
	}
	return out
}

// testFuncs is mirrored by ../test-funcs.ts; both sides must agree exactly.
var testFuncs = template.FuncMap{
	"join":    func(sep string, parts ...string) string { return strings.Join(parts, sep) },
	"add":     func(a, b int) int { return a + b },
	"addf":    func(a, b float64) float64 { return a + b },
	"mayfail": mayfail,
	"list":    func(items ...interface{}) []interface{} { return append([]interface{}{}, items...) },
	"dict": func(kv ...interface{}) (map[string]interface{}, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("dict: odd number of arguments")
		}
		m := map[string]interface{}{}
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"seq": func(n int) []interface{} {
		out := []interface{}{}
		for i := 0; i < n; i++ {
			out = append(out, i)
		}
		return out
	},
	"upper":  strings.ToUpper,
	"repeat": func(s string, n int) string { return strings.Repeat(s, n) },
	"mkadd":  func(n int) func(int) int { return func(x int) int { return x + n } },
	"mkfail": func() func(string) (string, error) { return mayfail },
	"nilval": func() interface{} { return nil },
	"neg":    func(b bool) bool { return !b },
	"count":  func(args ...interface{}) int { return len(args) },
	"half":   func(f float64) float64 { return f / 2 },
	"str":    func(v interface{}) string { return fmt.Sprint(v) },
	"kv":     func(k, v string) KV { return KV{k, v} },
	"kvs":    kvs,
	"kvlist": func(kv ...string) []KV { return []KV(kvs(kv...)) },
	"kvp":    func(k, v string) *KV { return &KV{k, v} },
	"nilkvp": func() *KV { return nil },
	"srv": func(target string, port int) *SRV {
		return &SRV{Target: target, Port: uint16(port), Priority: 10, Weight: 5}
	},
	"box": func() Box {
		return Box{Name: "b", Pair: KV{"/p", "q"}, Tags: []string{"x", "y"}, Any: KV{"/i", "j"}, N: 3, At: fixedTime}
	},
	"boxptr":    func() Box { return Box{Name: "p", Ptr: &KV{"/r", "s"}} },
	"fixedtime": func() time.Time { return fixedTime },
	"zonedtime": func() time.Time {
		return time.Date(2021, 2, 3, 4, 5, 6, 7000, time.FixedZone("XST", -(3*3600+30*60)))
	},
	"plaintime": func() time.Time { return time.Date(2024, 2, 29, 12, 0, 0, 0, time.FixedZone("", 5*3600+45*60)) },
	"strs":      func(s ...string) []string { return append([]string{}, s...) },
	"ints":      func(n ...int) []int { return append([]int{}, n...) },
}

func build(c testCase) (*template.Template, error) {
	if len(c.Templates) == 0 {
		return nil, errors.New("case has no templates")
	}
	root := template.New(c.Templates[0].Name).Funcs(testFuncs)
	if len(c.Delims) == 2 {
		root.Delims(c.Delims[0], c.Delims[1])
	}
	if c.MissingKey != "" {
		root.Option("missingkey=" + c.MissingKey)
	}
	for i, nt := range c.Templates {
		t := root
		if i > 0 {
			t = root.New(nt.Name)
		}
		if _, err := t.Parse(nt.Text); err != nil {
			return nil, err
		}
	}
	return root, nil
}

func decodeData(raw json.RawMessage) (interface{}, error) {
	var data interface{}
	if len(raw) == 0 {
		return nil, nil
	}
	err := json.Unmarshal(raw, &data)
	return data, err
}

func run(c testCase) result {
	r := result{ID: c.ID}
	data, err := decodeData(c.Data)
	if err != nil {
		r.Err, r.Phase = "bad data: "+err.Error(), "data"
		return r
	}
	t, err := build(c)
	if err != nil {
		r.Err, r.Phase = err.Error(), "parse"
		return r
	}
	var buf bytes.Buffer
	if c.Entry != "" {
		err = t.ExecuteTemplate(&buf, c.Entry, data)
	} else {
		err = t.Execute(&buf, data)
	}
	r.Out = buf.String()
	if err != nil {
		r.Err, r.Phase = err.Error(), "exec"
		return r
	}
	r.OK = true
	return r
}

func bench(n int) error {
	var c testCase
	if err := json.NewDecoder(os.Stdin).Decode(&c); err != nil {
		return err
	}
	data, err := decodeData(c.Data)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	start := time.Now()
	for i := 0; i < n; i++ {
		t, err := build(c)
		if err != nil {
			return err
		}
		buf.Reset()
		if err := t.Execute(&buf, data); err != nil {
			return err
		}
	}
	elapsed := time.Since(start)
	return json.NewEncoder(os.Stdout).Encode(map[string]interface{}{
		"msPerRender": float64(elapsed.Microseconds()) / 1000 / float64(n),
		"bytes":       buf.Len(),
	})
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "bench" {
		n, err := strconv.Atoi(os.Args[2])
		if err == nil {
			err = bench(n)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "oracle:", err)
			os.Exit(1)
		}
		return
	}
	var cases []testCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "oracle: reading cases:", err)
		os.Exit(1)
	}
	results := make([]result, 0, len(cases))
	for _, c := range cases {
		results = append(results, run(c))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		fmt.Fprintln(os.Stderr, "oracle: writing results:", err)
		os.Exit(1)
	}
}
