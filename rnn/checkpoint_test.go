package rnn

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

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

// Load names the array that is wrong.
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
	write := func(name string, mod func(map[string]npz.Array)) string {
		c := map[string]npz.Array{}
		for k, v := range arrs {
			c[k] = v
		}
		mod(c)
		var l []npz.Array
		for _, k := range npz.Names(c) {
			a := c[k]
			a.Name = k
			l = append(l, a)
		}
		p := filepath.Join(dir, name+".npz")
		if err := npz.Write(p, l...); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		mod  func(map[string]npz.Array)
		want string
	}{
		{"wrong shape", func(c map[string]npz.Array) {
			c[NameWRec] = npz.Array{Shape: []int{10, 9}, Data: make([]float32, 90)}
		}, "array w_rec has shape [10 9], want [10 10]"},
		{"missing", func(c map[string]npz.Array) { delete(c, NameBOut) }, "array b_out is missing"},
		{"no config", func(c map[string]npz.Array) { delete(c, "config_json") }, "no array config_json"},
		{"bad config", func(c map[string]npz.Array) {
			c["config_json"] = npz.Array{Shape: []int{14}, Data: []uint8(`{"bogus": 1}  `)}
		}, `config_json: json: unknown field "bogus"`},
		{"bad mask", func(c map[string]npz.Array) {
			c["mask_out"] = npz.Array{Shape: []int{10, 2}, Data: make([]float32, 20)}
			c["mask_out"].Data.([]float32)[3] = 2
		}, "array mask_out: rnn: masks.readout[1, 1] = 2 is not allowed"},
		{"inconsistent effective", func(c map[string]npz.Array) {
			d := append([]float32(nil), c["w_in_eff"].Data.([]float32)...)
			d[4] += 1
			c["w_in_eff"] = npz.Array{Shape: []int{3, 10}, Data: d}
		}, "array w_in_eff element 4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Load(write(strings.ReplaceAll(c.name, " ", "_"), c.mod))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load error = %v, want it to contain %q", err, c.want)
			}
		})
	}
	if _, _, err := Load(filepath.Join(dir, "absent.npz")); err == nil {
		t.Fatal("Load of a missing file succeeded")
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
			if len(extra) != 0 || m2.Dale() != m.Dale() || len(m2.Params()) != len(m.Params()) || m2.DType() != m.DType() {
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
