package run

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/rnn"
)

// Relative .npy paths of a run config (weights, biases, plasticity, in any
// case of the extension) resolve against the config file's folder, not the
// working directory, and the model built from them holds their values.
func TestRelativePathsResolveAgainstConfigFolder(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "arrays")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	const n = 8 // romo: 2 inputs, 3 outputs
	win := make([]float64, 2*n)
	for i := range win {
		win[i] = 0.25
	}
	brec := make([]float64, n)
	for i := range brec {
		brec[i] = 0.5
	}
	plast := make([]float64, n*n)
	for i := range plast {
		plast[i] = 0.3
	}
	for _, a := range []struct {
		file  string
		shape []int
		data  []float64
	}{{"w_in.NPY", []int{2, n}, win}, {"b_rec.npy", []int{n}, brec}, {"p_rec.Npy", []int{n, n}, plast}} {
		if err := npz.WriteNPYFile(filepath.Join(sub, a.file), npz.Array{Name: a.file, Shape: a.shape, Data: a.data}); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "run.json")
	cfg := `{"seed": 1, "hidden_size": 8, "task": {"name": "romo"},
	  "model": {"weights": ["arrays/w_in.NPY", "uniform", "uniform"], "biases": ["arrays/b_rec.npy", "zero"],
	            "plasticity": [1, "arrays/p_rec.Npy", 1], "dale": false}}`
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// The working directory has no arrays/ folder.
	wd, _ := os.Getwd()
	if _, err := os.Stat(filepath.Join(wd, "arrays")); err == nil {
		t.Fatal("the test needs a working directory without arrays/")
	}
	rc, folder, err := Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Resolve(rc, folder)
	if err != nil {
		t.Fatalf("resolve: %v", err)
	}
	want := map[string]string{
		"weights[0]":    filepath.Join(sub, "w_in.NPY"),
		"biases[0]":     filepath.Join(sub, "b_rec.npy"),
		"plasticity[1]": filepath.Join(sub, "p_rec.Npy"),
	}
	got := map[string]string{"weights[0]": r.Model.Weights[0], "biases[0]": r.Model.Biases[0], "plasticity[1]": r.Model.Plasticity[1].File}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
	if r.Model.Weights[1] != "uniform" || r.Model.Biases[1] != "zero" {
		t.Errorf("keywords changed: weights %v, biases %v", r.Model.Weights, r.Model.Biases)
	}
	m, err := rnn.New(r.Model, nil)
	if err != nil {
		t.Fatalf("model from the resolved paths: %v", err)
	}
	if v := m.Param(rnn.NameWIn).Float64s()[0]; v != 0.25 {
		t.Errorf("w_in[0] = %v, want 0.25 from the file", v)
	}
	if v := m.Param(rnn.NameBRec).Float64s()[3]; v != 0.5 {
		t.Errorf("b_rec[3] = %v, want 0.5 from the file", v)
	}
	if p := m.Param(rnn.NameWRec).Plasticity; len(p) != n*n || p[5] != 0.3 {
		t.Errorf("w_rec plasticity = %v, want 0.3 everywhere from the file", p)
	}
}
