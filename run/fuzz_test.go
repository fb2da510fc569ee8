package run

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParseResolve: a run config's bytes never panic Parse or Resolve,
// and a config that resolves writes itself back (Marshal) to one that
// resolves to the same config. Sizes are bounded first, so the fuzzer
// does not spend its time building huge masks.
func FuzzParseResolve(f *testing.F) {
	for _, name := range []string{"pdm", "romo", "dms", "flipflop"} {
		rc, err := Recipe(name)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := Marshal(rc)
		f.Add(b)
	}
	f.Add([]byte(`{"task": {"name": "pdm"}, "hidden_size": 0}`))
	f.Add([]byte(`{"task": {"name": "pdm"}, "task": {"name": "romo"}}`))
	f.Add([]byte(`{"task": {"name": "sine"}, "train": {"target_accuracy": 0.9}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rc, err := Parse(data, "fuzz")
		if err != nil || !small(rc) {
			return
		}
		r, err := Resolve(rc, "")
		if err != nil {
			return
		}
		b, err := Marshal(r.Config)
		if err != nil {
			t.Fatalf("a resolved config does not marshal: %v", err)
		}
		rc2, err := Parse(b, "resolved")
		if err != nil {
			t.Fatalf("a resolved config does not parse: %v\n%s", err, b)
		}
		r2, err := Resolve(rc2, "")
		if err != nil {
			t.Fatalf("a resolved config does not resolve again: %v\n%s", err, b)
		}
		b2, _ := Marshal(r2.Config)
		if !bytes.Equal(b, b2) {
			t.Fatalf("resolving twice changes the config:\n%s\n%s", b, b2)
		}
	})
}

// small reports whether rc's network is small enough to resolve in a fuzz
// iteration (the mask is built).
func small(rc Config) bool {
	if rc.HiddenSize > 256 {
		return false
	}
	for _, raw := range []json.RawMessage{rc.Mask, rc.Model} {
		var s struct {
			Dims    []int `json:"dims"`
			NAreas  any   `json:"n_areas"`
			Hidden  int   `json:"hidden_size"`
			InputD  int   `json:"input_dim"`
			ReadD   int   `json:"readout_dim"`
			InDims  []int `json:"input_dims"`
			OutDims []int `json:"readout_dims"`
		}
		if len(raw) > 0 && json.Unmarshal(raw, &s) != nil {
			return false
		}
		for _, d := range append(append(s.Dims, s.InDims...), append(s.OutDims, s.Hidden, s.InputD, s.ReadD)...) {
			if d > 256 {
				return false
			}
		}
		if l, ok := s.NAreas.([]any); ok && len(l) > 16 {
			return false
		}
		if n, ok := s.NAreas.(float64); ok && n > 16 {
			return false
		}
	}
	return true
}
