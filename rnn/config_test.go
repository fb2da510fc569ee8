package rnn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/npz"
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("default config does not validate: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"dims", c.Dims, []int{1, 100, 1}},
		{"activation", c.Activation, ReLU},
		{"dt", c.Dt, 10.0},
		{"tau", []float64(c.Tau), []float64{100}},
		{"learn_alpha", c.LearnAlpha, false},
		{"preact_noise", c.PreactNoise, 0.0},
		{"postact_noise", c.PostactNoise, 0.0},
		{"weights", []string(c.Weights), []string{"uniform"}},
		{"biases", []string(c.Biases), []string{"zero"}},
		{"masks", c.MaskFile, ""},
		{"dale", c.Dale == nil, true},
		{"plasticity", []Plasticity(c.Plasticity), []Plasticity{{Value: 1}}},
		{"ei_balance", c.EIBalance, "global"},
		{"readout_balance", c.ReadoutBalance, "none"},
		{"input_sign", c.InputSign, "dale"},
		{"output_activation", c.OutputActivation, "linear"},
		{"spectral_radius", c.SpectralRadius, 0.0},
		{"init_state", c.InitState, "zero"},
		{"no_self_connections", c.NoSelfConnections, false},
		{"engine", c.Engine, "fused"},
		{"dtype", c.DType, "float32"},
		{"seed", c.Seed, uint64(0)},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("default %s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	// An empty JSON object gives the defaults.
	p, err := ParseConfig(strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, c) {
		t.Errorf("ParseConfig({}) = %+v, want the defaults %+v", p, c)
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	src := `{
	  "dims": [3, 20, 2], "activation": "tanh", "dt": 5, "tau": [50, 100],
	  "learn_alpha": true, "preact_noise": 0.1, "postact_noise": 0.05,
	  "weights": ["normal", "uniform", "w_out.npy"], "biases": [null, "normal", "zero"],
	  "masks": "masks.npz", "dale": true, "plasticity": [1, 0.5, "p.npy"],
	  "ei_balance": "neuron", "spectral_radius": 1.5, "init_state": "learn",
	  "readout_balance": "global", "output_activation": "sigmoid", "input_sign": "free",
	  "no_self_connections": true, "engine": "unrolled", "dtype": "float64", "seed": 42
	}`
	// tau has 2 entries, which is valid only for N = 2: make it N values.
	src = strings.Replace(src, `"tau": [50, 100]`, `"tau": [`+strings.TrimSuffix(strings.Repeat("50, ", 20), ", ")+`]`, 1)
	c, err := ParseConfig(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Activation != Tanh || c.Dt != 5 || len(c.Tau) != 20 || !c.LearnAlpha || c.Dale == nil || !*c.Dale ||
		c.Biases[0] != "none" || c.Plasticity[1].Value != 0.5 || c.Plasticity[2].File != "p.npy" ||
		c.EIBalance != "neuron" || c.SpectralRadius != 1.5 || c.InitState != "learn" || !c.NoSelfConnections ||
		c.Engine != "unrolled" || c.DType != "float64" || c.Seed != 42 || c.MaskFile != "masks.npz" ||
		c.ReadoutBalance != "global" || c.OutputActivation != OutputSigmoid || c.InputSign != InputSignFree {
		t.Fatalf("parsed config wrong: %+v", c)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := ParseConfig(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("re-parse of %s: %v", b, err)
	}
	if !reflect.DeepEqual(c, c2) {
		t.Errorf("round trip changed the config:\n%+v\n%+v", c, c2)
	}
	// Scalars stay scalars.
	b, _ = json.Marshal(DefaultConfig())
	for _, want := range []string{`"tau":100`, `"weights":"uniform"`, `"plasticity":1`, `"dale":null`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("default JSON %s lacks %s", b, want)
		}
	}
}

func TestLoadConfigResolvesPaths(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.json")
	if err := os.WriteFile(path, []byte(`{"masks": "m.npz", "weights": ["uniform", "w.npy", "normal"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.MaskFile != filepath.Join(dir, "m.npz") || c.Weights[1] != filepath.Join(dir, "w.npy") || c.Weights[0] != "uniform" {
		t.Errorf("paths not resolved against the config's folder: %+v", c)
	}
}

func TestInvalidConfigs(t *testing.T) {
	cases := []struct {
		name string
		json string
		want string // substring of the error
	}{
		{"unknown key", `{"hidden_sise": 10}`, `unknown field "hidden_sise"`},
		{"dims length", `{"dims": [1, 2]}`, "dims = [1 2] is not allowed"},
		{"dims zero", `{"dims": [1, 0, 1]}`, "dims[1] = 0 is not allowed: must be a positive integer"},
		{"dims huge", `{"dims": [1, 100000, 1]}`, "the hidden weights (100000×100000) would have more than"},
		{"activation", `{"activation": "gelu"}`, `activation = "gelu" is not allowed`},
		{"dt", `{"dt": 0}`, "dt = 0 is not allowed: must be a finite number > 0"},
		{"tau negative", `{"tau": -1}`, "tau[0] = -1 is not allowed"},
		{"tau below dt", `{"dt": 10, "tau": 5}`, "tau[0] = 5 is not allowed: must be ≥ dt = 10"},
		{"tau list length", `{"dims": [1, 4, 1], "tau": [100, 100]}`, "must be one number or a list of dims[1] = 4 numbers"},
		{"preact noise", `{"preact_noise": -0.1}`, "preact_noise = -0.1 is not allowed: must be a finite number ≥ 0"},
		{"postact noise", `{"postact_noise": -2}`, "postact_noise = -2 is not allowed"},
		{"weights kind", `{"weights": "xavier"}`, `weights[0] = "xavier" is not allowed: must be "uniform", "normal" or an .npy path`},
		{"weights count", `{"weights": ["uniform", "normal"]}`, "weights = a list of 2 entries is not allowed"},
		{"bias kind", `{"biases": "ones"}`, `biases[0] = "ones" is not allowed`},
		{"input bias", `{"biases": ["zero", "zero", "zero"]}`, `biases[0] = "zero" is not allowed: must be "none" or null`},
		{"mask file type", `{"masks": "masks.npy"}`, `masks = "masks.npy" is not allowed: must be the path of an .npz file`},
		{"plasticity range", `{"plasticity": 1.5}`, "plasticity[0] = 1.5 is not allowed: must be in [0, 1]"},
		{"plasticity count", `{"plasticity": [1, 1]}`, "plasticity = a list of 2 entries is not allowed"},
		{"plasticity type", `{"plasticity": [1, 1, true]}`, "a plasticity entry must be a number in [0, 1] or an .npy path"},
		{"ei balance", `{"ei_balance": "synapse"}`, `ei_balance = "synapse" is not allowed: must be "none", "global" or "neuron"`},
		{"readout balance", `{"readout_balance": "synapse"}`, `readout_balance = "synapse" is not allowed: must be "none", "global" or "neuron"`},
		{"input sign", `{"input_sign": "negative"}`, `input_sign = "negative" is not allowed: must be "dale" or "free"`},
		{"output activation", `{"output_activation": "softmax"}`, `output_activation = "softmax" is not allowed: must be "linear" or "sigmoid"`},
		{"spectral radius", `{"spectral_radius": -1}`, "spectral_radius = -1 is not allowed"},
		{"init state", `{"init_state": "random"}`, `init_state = "random" is not allowed: must be "zero" or "learn"`},
		{"engine", `{"engine": "cuda"}`, `engine = "cuda" is not allowed: must be "fused" or "unrolled"`},
		{"dtype", `{"dtype": "float16"}`, `dtype = "float16" is not allowed: must be "float32" or "float64"`},
		{"trailing data", `{} {}`, "unexpected data after the JSON"},
		{"key in another case", `{"dims": [1, 5, 1], "DIMS": [2, 6, 2]}`, `key "DIMS" is not allowed: keys are case-sensitive (the key is "dims")`},
		{"key twice", `{"dt": 1, "dt": 2}`, `key "dt" appears twice`},
		{"wrong type", `{"dt": "ten"}`, "dt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig(strings.NewReader(c.json))
			if err == nil {
				t.Fatalf("ParseConfig(%s) succeeded, want an error containing %q", c.json, c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParseConfig(%s) error = %q, want it to contain %q", c.json, err, c.want)
			}
		})
	}
}

// Errors that need Go arrays or files: masks of the wrong size or values,
// Dale rows of mixed sign, bad .npy/.npz files.
func TestInvalidModelInputs(t *testing.T) {
	dir := t.TempDir()
	badNPY := filepath.Join(dir, "w.npy")
	if err := npz.WriteNPYFile(badNPY, npz.Array{Shape: []int{3, 3}, Data: make([]float32, 9)}); err != nil {
		t.Fatal(err)
	}
	nanNPY, hugeNPY, infNPY := filepath.Join(dir, "nan.npy"), filepath.Join(dir, "huge.npy"), filepath.Join(dir, "inf.npy")
	nan := make([]float32, 16)
	nan[6] = float32(math.NaN())
	huge := make([]float64, 16)
	huge[1] = 1e300 // finite as float64, +Inf as the model's float32
	for _, f := range []struct {
		path string
		a    npz.Array
	}{
		{nanNPY, npz.Array{Shape: []int{4, 4}, Data: nan}},
		{hugeNPY, npz.Array{Shape: []int{4, 4}, Data: huge}},
		{infNPY, npz.Array{Shape: []int{4}, Data: []float64{0, 0, math.Inf(-1), 0}}},
	} {
		if err := npz.WriteNPYFile(f.path, f.a); err != nil {
			t.Fatal(err)
		}
	}
	noKeys := filepath.Join(dir, "m.npz")
	if err := npz.Write(noKeys, npz.Array{Name: "other", Shape: []int{1}, Data: []float32{1}}); err != nil {
		t.Fatal(err)
	}
	badShape := filepath.Join(dir, "s.npz")
	if err := npz.Write(badShape, npz.Array{Name: "hidden", Shape: []int{2, 2}, Data: []float32{1, 1, 1, 1}}); err != nil {
		t.Fatal(err)
	}
	yes := true
	cases := []struct {
		name string
		mod  func(c *Config)
		want string
	}{
		{"mask size", func(c *Config) { c.Masks.Hidden = []float64{1, 1} }, "masks.hidden = an array of 2 values is not allowed: must have 4×4 = 16 values"},
		{"mask value", func(c *Config) { c.Masks.Input = []float64{1, 0.5, 1, 1} }, "masks.input[0, 1] = 0.5 is not allowed: must be −1, 0 or +1"},
		{"mixed row", func(c *Config) {
			c.Masks.Hidden = ones(16)
			c.Masks.Hidden[1] = -1
		}, "masks.hidden row 0 mixes +1 and −1"},
		{"neuron sign disagrees", func(c *Config) {
			c.Masks.Hidden = ones(16)
			for j := 0; j < 4; j++ {
				c.Masks.Hidden[3*4+j] = -1
			}
			c.Masks.Readout = ones(8)
			c.Dale = &yes
		}, "neuron 3 is inhibitory in masks.hidden but excitatory in masks.readout"},
		{"weights npy shape", func(c *Config) { c.Weights = Strings{"uniform", badNPY, "uniform"} }, `weights[1] = "` + badNPY + `" is not allowed: the array has shape [3 3], and it must have shape [4 4]`},
		{"weights npy NaN", func(c *Config) { c.Weights = Strings{"uniform", nanNPY, "uniform"} }, `weights[1] = "` + nanNPY + `" is not allowed: its element [1, 2] is NaN, and weights must be finite`},
		{"weights npy Inf as float32", func(c *Config) { c.Weights = Strings{"uniform", hugeNPY, "uniform"} }, `weights[1] = "` + hugeNPY + `" is not allowed: its element [0, 1] is 1e+300, which is +Inf as float32 (the config's dtype), and weights must be finite`},
		{"biases npy Inf", func(c *Config) { c.Biases = Strings{infNPY, "zero"} }, `biases[0] = "` + infNPY + `" is not allowed: its element [2] is -Inf, and biases must be finite`},
		{"biases npy shape", func(c *Config) { c.Biases = Strings{"zero", infNPY} }, `biases[1] = "` + infNPY + `" is not allowed: the array has shape [4], and it must have shape [2]`},
		{"plasticity npy range", func(c *Config) { c.Plasticity = Plasticities{{Value: 1}, {File: hugeNPY}, {Value: 1}} }, `plasticity[1] = "` + hugeNPY + `" is not allowed: its element [0, 1] is 1e+300, and plasticity values must be in [0, 1]`},
		{"weights npy missing", func(c *Config) { c.Weights = Strings{filepath.Join(dir, "nope.npy")} }, "nope.npy"},
		{"mask file keys", func(c *Config) { c.MaskFile = noKeys }, "has none of the arrays input, hidden, readout (it has [other])"},
		{"mask file shape", func(c *Config) { c.MaskFile = badShape }, `array "hidden" has shape [2 2], want [4 4]`},
		{"plasticity array size", func(c *Config) {
			c.Plasticity = Plasticities{{Value: 1}, {Values: []float64{1}}, {Value: 1}}
		}, "plasticity[1] = an array of 1 values is not allowed: must have 4×4 = 16 values"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Dims = []int{1, 4, 2}
			c.mod(&cfg)
			_, err := New(cfg, nil)
			if err == nil {
				t.Fatalf("New succeeded, want an error containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("New error = %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func ones(n int) []float64 {
	o := make([]float64, n)
	for i := range o {
		o[i] = 1
	}
	return o
}

func TestMasksExcitatory(t *testing.T) {
	// Neuron 1 has an inhibitory synapse, neuron 2 none at all.
	ms := Masks{Hidden: []float64{
		1, 0, 1,
		0, -1, -1,
		0, 0, 0,
	}}
	if got, want := ms.Excitatory(3), []bool{true, false, true}; !slices.Equal(got, want) {
		t.Errorf("Excitatory = %v, want %v", got, want)
	}
	if got, want := (Masks{}).Excitatory(2), []bool{true, true}; !slices.Equal(got, want) {
		t.Errorf("no hidden mask: Excitatory = %v, want %v", got, want)
	}
}

// MasksOf converts float32 (package mask's) and float64 values alike and
// maps an empty layer to no mask.
func TestMasksOf(t *testing.T) {
	m32 := MasksOf([]float32{1, 0}, []float32{-1, 1, 1, 1}, nil)
	m64 := MasksOf([]float64{1, 0}, []float64{-1, 1, 1, 1}, []float64{})
	for _, m := range []Masks{m32, m64} {
		if fmt.Sprint(m.Input, m.Hidden) != "[1 0] [-1 1 1 1]" || m.Readout != nil {
			t.Errorf("MasksOf = %+v", m)
		}
	}
	src := []float64{1}
	m := MasksOf(src, nil, nil)
	src[0] = 5
	if m.Input[0] != 1 {
		t.Error("MasksOf did not copy")
	}
}
