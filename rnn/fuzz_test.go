package rnn

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/npz"
)

// writeCorpus regenerates the seed corpora of FuzzLoad and FuzzParseConfig
// under testdata/fuzz (go test ./rnn/ -run TestFuzzSeeds -write-corpus).
var writeCorpus = flag.Bool("write-corpus", false, "rewrite the fuzz seed corpora in testdata/fuzz")

// fuzzMaxBytes bounds what FuzzLoad lets an archive hold once
// decompressed, so that the fuzzer cannot make a test that allocates
// gigabytes (Load itself bounds nothing but what the file holds).
const fuzzMaxBytes = 1 << 20

// fuzzSmallArchive reports whether data is not a zip archive, or one
// whose entries declare at most fuzzMaxBytes together (archive/zip never
// returns more bytes than an entry declares).
func fuzzSmallArchive(data []byte) bool {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return true
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > fuzzMaxBytes || total > fuzzMaxBytes {
			return false
		}
	}
	return true
}

// FuzzLoad: any bytes as an .npz file never make Load panic; what loads
// is a model whose parameters are finite and that runs.
func FuzzLoad(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if !fuzzSmallArchive(data) {
			return
		}
		file, err := os.CreateTemp(dir, "*.npz")
		if err != nil {
			t.Fatal(err)
		}
		path := file.Name()
		defer os.Remove(path)
		_, err = file.Write(data)
		if cerr := file.Close(); err != nil || cerr != nil {
			t.Fatal(err, cerr)
		}
		m, _, err := Load(path)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("Load error has more than one line: %q", err)
			}
			return
		}
		for _, p := range m.Params() {
			if i, x := firstNonFiniteData(p.Value.Data()); i >= 0 {
				t.Fatalf("Load accepted %s[%d] = %v", p.Name, i, x)
			}
		}
		d := m.Dims()
		if d[0]*d[1]+d[1]*d[1]+d[1]*d[2] <= 1<<14 {
			if _, err := m.Forward(make([]float32, 2*3*d[0]), 2, 3); err != nil {
				t.Fatalf("a loaded model does not run: %v", err)
			}
		}
	})
}

// FuzzParseConfig: any bytes never make ParseConfig panic; a config that
// parses validates and comes back equal through MarshalIndent and
// ParseConfig.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(bytes.NewReader(data))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("ParseConfig error has more than one line: %q", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("ParseConfig returned a config that does not validate: %v", err)
		}
		out, err := cfg.MarshalIndent()
		if err != nil {
			t.Fatalf("MarshalIndent: %v", err)
		}
		back, err := ParseConfig(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("the config written by MarshalIndent does not parse: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(cfg, back) {
			t.Fatalf("round trip changed the config:\n%#v\n%#v\n%s", cfg, back, out)
		}
	})
}

// corpusEntry writes one value in Go's fuzz corpus format.
func corpusEntry(data []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n")
}

// readCorpusEntry reads one []byte corpus file.
func readCorpusEntry(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, ok := strings.Cut(string(b), "\n")
	rest = strings.TrimSpace(rest)
	if !ok || head != "go test fuzz v1" || !strings.HasPrefix(rest, "[]byte(") || !strings.HasSuffix(rest, ")") {
		t.Fatalf("%s is not a []byte fuzz corpus entry", path)
	}
	s, err := strconv.Unquote(rest[len("[]byte(") : len(rest)-1])
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return []byte(s)
}

// loadSeeds returns the named seed checkpoints of FuzzLoad: a valid small
// one written by Save, the same truncated, one with a NaN parameter and
// one with an array of the wrong shape.
func loadSeeds(t *testing.T) map[string][]byte {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 4, 1}
	cfg.LearnAlpha = true
	cfg.Masks = Masks{Hidden: []float64{1, 1, 0, 1, 1, 0, 1, 1, -1, -1, 0, -1, 0, -1, -1, -1}}
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "valid.npz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	valid, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	arrs, err := npz.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	variant := func(name string, a npz.Array) []byte {
		var l []npz.Array
		for _, k := range npz.Names(arrs) {
			b := arrs[k]
			if k == name {
				b = a
			}
			b.Name = k
			l = append(l, b)
		}
		p := filepath.Join(dir, name+".npz")
		if err := npz.Write(p, l...); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// The same arrays stored uncompressed, so that the fuzzer's mutations
	// reach the .npy headers and values instead of breaking a deflate
	// stream (npz checks every CRC-32, as numpy does, so a mutated value
	// is refused there).
	var stored bytes.Buffer
	zw := zip.NewWriter(&stored)
	for _, k := range npz.Names(arrs) {
		var npy bytes.Buffer
		if err := npz.WriteNPY(&npy, arrs[k].Shape, arrs[k].Data); err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: k + ".npy", Method: zip.Store, CRC32: crc32.ChecksumIEEE(npy.Bytes()),
			CompressedSize64: uint64(npy.Len()), UncompressedSize64: uint64(npy.Len())})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(npy.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	brec := append([]float32(nil), arrs[NameBRec].Data.([]float32)...)
	brec[2] = float32(math.NaN())
	return map[string][]byte{
		"valid":       valid,
		"stored":      stored.Bytes(),
		"truncated":   valid[:len(valid)*2/3],
		"nan_b_rec":   variant(NameBRec, npz.Array{Shape: []int{4}, Data: brec}),
		"wrong_shape": variant(NameWRec, npz.Array{Shape: []int{4, 3}, Data: make([]float32, 12)}),
	}
}

// The seed corpora are there and are what they say: the valid checkpoint
// loads, the others fail for their reason; every config seed parses or
// fails as its name says.
func TestFuzzSeeds(t *testing.T) {
	seeds := loadSeeds(t)
	configSeeds := map[string]string{
		"default":       `{}`,
		"full":          `{"dims": [3, 2, 2], "activation": "tanh", "dt": 10, "tau": [100, 50], "learn_alpha": true, "preact_noise": 0.1, "postact_noise": 0.05, "weights": ["uniform", "normal", "w_out.npy"], "biases": [null, "zero", "uniform"], "masks": "masks.npz", "dale": null, "plasticity": [1, "p.npy", 0.5], "ei_balance": "neuron", "readout_balance": "neuron", "input_sign": "free", "output_activation": "sigmoid", "spectral_radius": 1.5, "init_state": "learn", "no_self_connections": true, "engine": "unrolled", "dtype": "float64", "seed": 18446744073709551615}`,
		"tau_list":      `{"dims": [1, 3, 1], "tau": [100, 200, 300], "dale": false}`,
		"bad_key_case":  `{"dims": [1, 5, 1], "DIMS": [2, 6, 2]}`,
		"key_twice":     `{"dt": 1, "dt": 2}`,
		"huge_dims":     `{"dims": [1, 100000, 1]}`,
		"trailing":      `{} {}`,
		"not_an_object": `[1, 2, 3]`,
	}
	if *writeCorpus {
		for name, data := range seeds {
			writeSeed(t, "FuzzLoad", name, data)
		}
		for name, data := range configSeeds {
			writeSeed(t, "FuzzParseConfig", name, []byte(data))
		}
	}
	dir := t.TempDir()
	for name, want := range map[string]string{
		"valid":  "",
		"stored": "",
		// Save's output before model.input_sign existed (kept as written
		// then, never rewritten): it loads with the default, "dale".
		"pre_input_sign": "",
		"truncated":      "not an .npz archive",
		"nan_b_rec":      "b_rec[2] = NaN is not allowed: parameters must be finite",
		"wrong_shape":    "w_rec = an array of shape [4 3] is not allowed",
	} {
		data := readCorpusEntry(t, filepath.Join("testdata", "fuzz", "FuzzLoad", name))
		if !bytes.Equal(data, seeds[name]) && name == "valid" {
			// Save's output is deterministic; a stale seed still has to load.
			t.Logf("testdata/fuzz/FuzzLoad/valid differs from what Save writes now (rewrite with -write-corpus)")
		}
		path := filepath.Join(dir, name+".npz")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, _, err := Load(path)
		if err == nil && name == "pre_input_sign" && m.InputDale() != m.Dale() {
			t.Errorf("seed %s: InputDale %v, Dale %v: a checkpoint without input_sign must keep the dale rule on its inputs", name, m.InputDale(), m.Dale())
		}
		switch {
		case want == "" && err != nil:
			t.Errorf("seed %s: Load: %v", name, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("seed %s: Load error = %v, want it to contain %q", name, err, want)
		}
	}
	for name, data := range configSeeds {
		got := readCorpusEntry(t, filepath.Join("testdata", "fuzz", "FuzzParseConfig", name))
		if string(got) != data {
			t.Errorf("seed %s of FuzzParseConfig is %q, want %q", name, got, data)
		}
		_, err := ParseConfig(bytes.NewReader(got))
		if ok := name == "default" || name == "full" || name == "tau_list"; ok != (err == nil) {
			t.Errorf("seed %s: ParseConfig error = %v", name, err)
		}
	}
}

func writeSeed(t *testing.T, target, name string, data []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), corpusEntry(data), 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s/%s\n", dir, name)
}
