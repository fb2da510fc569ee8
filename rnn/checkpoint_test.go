package rnn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/internal/numpytest"
	"github.com/dale-rnn/dale/npz"
)

func checkpointModel(t *testing.T) *Model {
	t.Helper()
	rng := rand.New(rand.NewPCG(21, 22))
	cfg := DefaultConfig()
	cfg.Dims = []int{3, 10, 2}
	cfg.LearnAlpha = true
	cfg.InitState = "learn"
	cfg.Biases = Strings{"uniform"}
	cfg.Activation = Tanh
	cfg.Masks = eiMasks(rng, 3, 10, 2, 8, 0.5)
	cfg.NoSelfConnections = true
	pl := make([]float64, 100)
	for i := range pl {
		pl[i] = float64(i%3) / 2
	}
	cfg.Plasticity = Plasticities{{Value: 1}, {Values: pl}, {Value: 0.5}}
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	randomize(m, rng, 0.5)
	return m
}

// Save → Load → identical outputs, bit for bit; extra arrays come back.
func TestSaveLoadBitForBit(t *testing.T) {
	m := checkpointModel(t)
	path := filepath.Join(t.TempDir(), "model.npz")
	extra := npz.Array{Name: "adam_m_w_rec", Shape: []int{2}, Data: []float64{1.5, -2}}
	if err := m.Save(path, extra); err != nil {
		t.Fatal(err)
	}
	m2, ex, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := ex["adam_m_w_rec"]; !reflect.DeepEqual(got.Data, extra.Data) || len(ex) != 1 {
		t.Fatalf("extra arrays = %v, want just %v", ex, extra)
	}
	x := randInputs(rand.New(rand.NewPCG(5, 5)), 4*6*3)
	r1, err := m.Forward(x, 4, 6)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := m2.Forward(x, 4, 6)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		name string
		a, b []float32
	}{{"outputs", r1.Outputs, r2.Outputs}, {"rates", r1.Rates, r2.Rates}, {"potentials", r1.Potentials, r2.Potentials}} {
		if !reflect.DeepEqual(p.a, p.b) {
			t.Fatalf("%s differ after save and load", p.name)
		}
	}
	if len(m2.Params()) != len(m.Params()) {
		t.Fatalf("loaded model has %d params, want %d", len(m2.Params()), len(m.Params()))
	}
	for i, p := range m.Params() {
		q := m2.Params()[i]
		if p.Name != q.Name || !reflect.DeepEqual(p.Value.Data(), q.Value.Data()) || !reflect.DeepEqual(p.Plasticity, q.Plasticity) {
			t.Fatalf("param %s differs after load (plasticity %v vs %v)", p.Name, p.Plasticity == nil, q.Plasticity == nil)
		}
	}
	if m2.Param(NameWOut).Plasticity[0] != 0.5 || m2.Param(NameWIn).Plasticity != nil {
		t.Fatal("scalar plasticity lost in the checkpoint")
	}
	if !m2.Dale() || m2.Config().Activation != Tanh || m2.Config().InitState != "learn" {
		t.Fatalf("config lost in the checkpoint: %+v", m2.Config())
	}
	// Saving again gives the same arrays.
	path2 := filepath.Join(t.TempDir(), "again.npz")
	if err := m2.Save(path2); err != nil {
		t.Fatal(err)
	}
	a1, _ := npz.Read(path)
	a2, _ := npz.Read(path2)
	for name, a := range a1 {
		if name == "adam_m_w_rec" {
			continue
		}
		if !reflect.DeepEqual(a.Data, a2[name].Data) {
			t.Errorf("array %s changes when a loaded model is saved again", name)
		}
	}
}

// numpy reads the checkpoint: names, shapes, dtypes, the config JSON, and
// w_rec_eff = |w_rec| * mask_rec.
func TestCheckpointNumpy(t *testing.T) {
	numpytest.Python(t)
	m := checkpointModel(t)
	path := filepath.Join(t.TempDir(), "model.npz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	out := numpytest.Run(t, `
import sys, json
import numpy as np
z = np.load(sys.argv[1])
cfg = json.loads(bytes(z["config_json"]).decode())
assert cfg["dims"] == [3, 10, 2], cfg["dims"]
shapes = {k: z[k].shape for k in z.files}
want = {"w_in": (3, 10), "w_rec": (10, 10), "w_out": (10, 2), "b_rec": (10,), "b_out": (2,),
        "alpha": (10,), "init_state": (10,), "mask_in": (3, 10), "mask_rec": (10, 10),
        "mask_out": (10, 2), "w_in_eff": (3, 10), "w_rec_eff": (10, 10), "w_out_eff": (10, 2),
        "plasticity_rec": (10, 10), "plasticity_out": (10, 2)}
for k, s in want.items():
    assert shapes[k] == s, (k, shapes[k], s)
assert z["w_rec"].dtype == np.float32
assert np.array_equal(z["w_rec_eff"], np.abs(z["w_rec"]) * z["mask_rec"])
assert np.all(np.diag(z["mask_rec"]) == 0)
# inhibitory neurons are negative rows
inh = z["mask_rec"].min(axis=1) < 0
assert np.all(z["w_rec_eff"][inh] <= 0) and np.all(z["w_out_eff"][inh] <= 0)
print("ok", cfg["activation"], len(z.files))
`, path)
	if !strings.HasPrefix(out, "ok tanh") {
		t.Fatalf("numpy said %q", out)
	}
}

// Load checks every array before it builds the model, and names the file,
// the array and the first bad element: NaN and Inf in any parameter (the
// red-team's b_rec, b_out and w_rec) or effective weight, the wrong dtype
// or shape, masks outside {−1, 0, 1}, a learned alpha outside (0, 1],
// plasticity outside [0, 1], a stored config that does not validate, and
// effective weights that disagree with the raw ones.
func TestLoadErrors(t *testing.T) {
	m := checkpointModel(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.npz")
	if err := m.Save(good); err != nil {
		t.Fatal(err)
	}
	arrs, err := npz.Read(good)
	if err != nil {
		t.Fatal(err)
	}
	// set returns a copy of the float32 array name with element i set to v.
	set := func(c map[string]npz.Array, name string, i int, v float32) {
		a := c[name]
		d := append([]float32(nil), a.Data.([]float32)...)
		d[i] = v
		c[name] = npz.Array{Shape: a.Shape, Data: d}
	}
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	cfgJSON := func(c map[string]npz.Array, edit func(map[string]any)) {
		var v map[string]any
		if err := json.Unmarshal(arrs["config_json"].Data.([]uint8), &v); err != nil {
			t.Fatal(err)
		}
		edit(v)
		b, _ := json.Marshal(v)
		c["config_json"] = npz.Array{Shape: []int{len(b)}, Data: b}
	}
	const section = "rnn: checkpoint " // + path
	cases := []struct {
		name  string
		mod   func(map[string]npz.Array)
		field string // the *config.Error's field ("" for a plain error)
		want  string // the message after "rnn: checkpoint PATH: "
	}{
		{"NaN in b_rec", func(c map[string]npz.Array) { set(c, NameBRec, 3, nan) },
			"b_rec[3]", "b_rec[3] = NaN is not allowed: parameters must be finite"},
		{"Inf in b_out", func(c map[string]npz.Array) { set(c, NameBOut, 1, -inf) },
			"b_out[1]", "b_out[1] = -Inf is not allowed: parameters must be finite"},
		{"Inf in w_rec with a consistent w_rec_eff", func(c map[string]npz.Array) {
			set(c, NameWRec, 12, inf)
			set(c, "w_rec_eff", 12, inf)
		}, "w_rec[1, 2]", "w_rec[1, 2] = +Inf is not allowed: parameters must be finite"},
		{"NaN in init_state", func(c map[string]npz.Array) { set(c, NameInitState, 0, nan) },
			"init_state[0]", "init_state[0] = NaN is not allowed: parameters must be finite"},
		{"NaN in w_out_eff", func(c map[string]npz.Array) { set(c, "w_out_eff", 5, nan) },
			"w_out_eff[2, 1]", "w_out_eff[2, 1] = NaN is not allowed: parameters must be finite"},
		{"learned alpha 0", func(c map[string]npz.Array) { set(c, NameAlpha, 4, 0) },
			"alpha[4]", "alpha[4] = 0 is not allowed: a learned alpha must be in (0, 1]"},
		{"learned alpha above 1", func(c map[string]npz.Array) { set(c, NameAlpha, 4, 1.5) },
			"alpha[4]", "alpha[4] = 1.5 is not allowed: a learned alpha must be in (0, 1]"},
		{"float64 weights in a float32 checkpoint", func(c map[string]npz.Array) {
			c[NameWIn] = npz.Array{Shape: []int{3, 10}, Data: make([]float64, 30)}
		}, "w_in", "w_in = an array of float64 is not allowed: must be float32, the dtype of the checkpoint's config"},
		{"wrong shape", func(c map[string]npz.Array) {
			c[NameWRec] = npz.Array{Shape: []int{10, 9}, Data: make([]float32, 90)}
		}, "w_rec", "w_rec = an array of shape [10 9] is not allowed: must have shape [10 10] for the config's dims [3 10 2]"},
		{"vector as matrix", func(c map[string]npz.Array) {
			c[NameBRec] = npz.Array{Shape: []int{10, 1}, Data: make([]float32, 10)}
		}, "b_rec", "b_rec = an array of shape [10 1] is not allowed: must have shape [10]"},
		{"missing", func(c map[string]npz.Array) { delete(c, NameBOut) },
			"b_out", "b_out = missing is not allowed: a checkpoint written by rnn.Model.Save has every array of the model (w_in, w_rec"},
		{"mask value", func(c map[string]npz.Array) { set(c, "mask_out", 3, 2) },
			"mask_out[1, 1]", "mask_out[1, 1] = 2 is not allowed: masks must be −1, 0 or +1"},
		{"mask NaN", func(c map[string]npz.Array) { set(c, "mask_rec", 7, nan) },
			"mask_rec[0, 7]", "mask_rec[0, 7] = NaN is not allowed: masks must be −1, 0 or +1"},
		{"mask shape", func(c map[string]npz.Array) {
			c["mask_in"] = npz.Array{Shape: []int{10, 3}, Data: make([]float32, 30)}
		}, "mask_in", "mask_in = an array of shape [10 3] is not allowed: must have shape [3 10]"},
		{"mask breaks Dale's rule", func(c map[string]npz.Array) {
			d := append([]float32(nil), c["mask_rec"].Data.([]float32)...)
			for j := 0; j < 10; j++ { // neuron 9 is inhibitory: make one of its synapses excitatory
				if d[90+j] < 0 {
					d[90+j] = 1
					break
				}
			}
			c["mask_rec"] = npz.Array{Shape: []int{10, 10}, Data: d}
		}, "", "masks.hidden row 9 mixes +1 and −1"},
		{"plasticity above 1", func(c map[string]npz.Array) {
			d := append([]float64(nil), c["plasticity_rec"].Data.([]float64)...)
			d[11] = 2
			c["plasticity_rec"] = npz.Array{Shape: []int{10, 10}, Data: d}
		}, "plasticity_rec[1, 1]", "plasticity_rec[1, 1] = 2 is not allowed: plasticity must be in [0, 1]"},
		{"no config", func(c map[string]npz.Array) { delete(c, "config_json") }, "", "no array config_json: not a dale model checkpoint (arrays: alpha, b_out"},
		{"config not bytes", func(c map[string]npz.Array) {
			c["config_json"] = npz.Array{Shape: []int{2}, Data: []float32{1, 2}}
		}, "config_json", "config_json = an array of float32 of shape [2] is not allowed: must be a 1-d uint8 array"},
		{"config unknown key", func(c map[string]npz.Array) {
			c["config_json"] = npz.Array{Shape: []int{14}, Data: []uint8(`{"bogus": 1}  `)}
		}, "", `config_json: json: unknown field "bogus"`},
		{"config key twice", func(c map[string]npz.Array) {
			c["config_json"] = npz.Array{Shape: []int{23}, Data: []uint8(`{"dt": 1, "dt": 2}     `)}
		}, "", `config_json: key "dt" appears twice`},
		{"config invalid", func(c map[string]npz.Array) {
			cfgJSON(c, func(v map[string]any) { v["tau"] = -1 })
		}, "config_json.tau[0]", "config_json.tau[0] = -1 is not allowed: must be a finite number > 0"},
		{"config dims disagree with the arrays", func(c map[string]npz.Array) {
			cfgJSON(c, func(v map[string]any) { v["dims"] = []int{3, 11, 2} })
		}, "w_in", "w_in = an array of shape [3 10] is not allowed: must have shape [3 11] for the config's dims [3 11 2]"},
		{"inconsistent effective", func(c map[string]npz.Array) {
			d := c["w_in_eff"].Data.([]float32)
			set(c, "w_in_eff", 4, d[4]+1)
		}, "w_in_eff[0, 4]", "w_in_eff[0, 4] = "},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cp := map[string]npz.Array{}
			for k, v := range arrs {
				cp[k] = v
			}
			c.mod(cp)
			var l []npz.Array
			for _, k := range npz.Names(cp) {
				a := cp[k]
				a.Name = k
				l = append(l, a)
			}
			path := filepath.Join(dir, fmt.Sprintf("case%d.npz", i))
			if err := npz.Write(path, l...); err != nil {
				t.Fatal(err)
			}
			_, _, err := Load(path)
			prefix := section + path + ": "
			if err == nil || !strings.HasPrefix(err.Error(), prefix+c.want) {
				t.Fatalf("Load error = %v\nwant it to start with %q", err, prefix+c.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("Load error has more than one line: %q", err)
			}
			var ce *config.Error
			switch {
			case c.field == "" && errors.As(err, &ce) && ce.Section == section+path:
				t.Fatalf("Load error is a config.Error with field %q, want a plain error", ce.Field)
			case c.field != "" && (!errors.As(err, &ce) || ce.Field != c.field || ce.Section != section+path):
				t.Fatalf("Load error %v: want a *config.Error with section %q and field %q, got %#v", err, section+path, c.field, ce)
			}
		})
	}
	if _, _, err := Load(filepath.Join(dir, "absent.npz")); err == nil || !strings.Contains(err.Error(), "absent.npz") {
		t.Fatalf("Load of a missing file: err = %v", err)
	}
	if err := m.Save(filepath.Join(dir, "x.npz"), npz.Array{Name: "w_rec", Shape: []int{1}, Data: []float32{1}}); err == nil || !strings.Contains(err.Error(), `extra array "w_rec" is not allowed`) {
		t.Fatalf("Save with a reserved extra name: err = %v", err)
	}
	// Atomic write: no temporary files are left behind.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".npz") {
			t.Errorf("stray file %s after saves", e.Name())
		}
	}
}

// A float64 checkpoint is checked in float64: NaN in b_rec is named, and
// float32 arrays are the wrong dtype.
func TestLoadErrorsFloat64(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 5, 1}
	cfg.DType = Float64
	m, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "best.npz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	arrs, _ := npz.Read(path)
	for _, c := range []struct {
		name string
		a    npz.Array
		want string
	}{
		{NameBRec, npz.Array{Shape: []int{5}, Data: []float64{0, 0, 0, math.NaN(), 0}}, `b_rec[3] = NaN is not allowed: parameters must be finite`},
		{NameWOut, npz.Array{Shape: []int{5, 1}, Data: make([]float32, 5)}, `w_out = an array of float32 is not allowed: must be float64`},
	} {
		var l []npz.Array
		for _, k := range npz.Names(arrs) {
			a := arrs[k]
			if k == c.name {
				a = c.a
			}
			a.Name = k
			l = append(l, a)
		}
		if err := npz.Write(path, l...); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Load(path); err == nil || err.Error() != "rnn: checkpoint "+path+": "+c.want && !strings.HasPrefix(err.Error(), "rnn: checkpoint "+path+": "+c.want) {
			t.Errorf("Load with a bad %s: err = %v, want %q", c.name, err, c.want)
		}
	}
}

// Save → Load → identical outputs for other kinds of model: float64, no
// biases, a sparsity mask without dale, no masks at all, unrolled engine.
func TestSaveLoadVariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(40, 41))
	no := false
	cases := []struct {
		name string
		mod  func(c *Config)
	}{
		{"float64 no biases", func(c *Config) { c.DType = Float64; c.Biases = Strings{"none"} }},
		{"sparsity mask dale false", func(c *Config) {
			ms := eiMasks(rng, 2, 6, 2, 6, 0.5)
			c.Masks = Masks{Hidden: ms.Hidden}
			c.Dale = &no
		}},
		{"no masks unrolled", func(c *Config) { c.Engine = EngineUnrolled; c.Activation = Softplus }},
		{"E/I with free input signs", func(c *Config) {
			c.Masks = eiMasks(rng, 2, 6, 2, 4, 0.7)
			c.InputSign = InputSignFree
		}},
	}
	for _, tc := range cases {
		name, mod := tc.name, tc.mod
		t.Run(name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Dims = []int{2, 6, 2}
			mod(&cfg)
			m, err := New(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			randomize(m, rng, 0.5)
			path := filepath.Join(t.TempDir(), "m.npz")
			if err := m.Save(path); err != nil {
				t.Fatal(err)
			}
			m2, extra, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(extra) != 0 || m2.Dale() != m.Dale() || m2.InputDale() != m.InputDale() || len(m2.Params()) != len(m.Params()) || m2.DType() != m.DType() {
				t.Fatalf("loaded model differs: extra %d, dale %v/%v, params %d/%d", len(extra), m2.Dale(), m.Dale(), len(m2.Params()), len(m.Params()))
			}
			x := randInputs(rng, 3*5*2)
			a, err := m.Forward(x, 3, 5)
			if err != nil {
				t.Fatal(err)
			}
			b, err := m2.Forward(x, 3, 5)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatal("outputs differ after save and load")
			}
		})
	}
}
