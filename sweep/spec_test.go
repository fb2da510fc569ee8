package sweep

import (
	"encoding/json"
	"strings"
	"testing"
)

const ctxSpec = `{
  "base": {"task": {"name": "pdm"}, "hidden_size": 16, "mask": {"type": "multi_area_ei", "n_areas": 2}},
  "axes": {
    "mask.inter_area_connections": [[true, true, true, true], [true, true, false, false], [true, false, false, false]],
    "seed": [1, 2, 3, 4, 5]
  }
}`

// A grid has every combination, the last axis fastest; each member is an
// ordinary run config with its values set.
func TestMembersGrid(t *testing.T) {
	s, err := Parse([]byte(ctxSpec), "test")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.Members()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 15 || ms[0].ID != "0000" || ms[14].ID != "0014" {
		t.Fatalf("%d members, ids %s … %s", len(ms), ms[0].ID, ms[len(ms)-1].ID)
	}
	if string(ms[6].Values["seed"]) != "2" || compact(ms[6].Values["mask.inter_area_connections"]) != "[true,true,false,false]" {
		t.Errorf("member 6 values %s", ms[6].Values)
	}
	if ms[6].Config.Seed != 2 {
		t.Errorf("member 6 seed %d", ms[6].Config.Seed)
	}
	var mask struct {
		Inter []bool `json:"inter_area_connections"`
		Areas int    `json:"n_areas"`
	}
	if err := json.Unmarshal(ms[14].Config.Mask, &mask); err != nil || len(mask.Inter) != 4 || mask.Inter[1] || mask.Areas != 2 {
		t.Errorf("member 14 mask %s", ms[14].Config.Mask)
	}
}

// Zipped axes vary together.
func TestMembersZip(t *testing.T) {
	s, err := Parse([]byte(`{"base": {"task": {"name": "pdm"}},
		"axes": {"hidden_size": [16, 32], "train.batch_size": [8, 16], "seed": [1, 2, 3]},
		"zip": [["hidden_size", "train.batch_size"]]}`), "test")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := s.Members()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 6 {
		t.Fatalf("%d members, want 2 × 3", len(ms))
	}
	for _, m := range ms {
		h, b := string(m.Values["hidden_size"]), string(m.Values["train.batch_size"])
		if (h == "16") != (b == "8") {
			t.Errorf("member %s: hidden_size %s with batch_size %s", m.ID, h, b)
		}
	}
}

// A bad spec is refused whole, naming the axis or the member.
func TestSpecErrors(t *testing.T) {
	for _, c := range []struct{ spec, want string }{
		{`{"axes": {"seed": [1]}}`, "base is missing"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"seed": []}}`, "axes.seed = [] is not allowed"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"colour": [1]}}`, "axes.colour = (a path) is not allowed"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"mask..x": [1]}}`, "empty key"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"seed": 3}}`, "axes.seed = 3 is not allowed: must be a list"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"seed": [1], "seed": [2]}}`, `key "axes.seed" appears twice`},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"hidden_size": [8, -1]}}`, "member 0001 (hidden_size = -1): hidden_size = -1 is not allowed"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"train.batch_size": ["x"]}}`, "member 0000"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"mask.exc_pct": [0.5]}}`, "mask"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"seed": [1, 2], "hidden_size": [8]}, "zip": [["seed", "hidden_size"]]}`, "one length"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"seed": [1]}, "zip": [["seed", "nope"]]}`, `"nope" is not allowed: it is not an axis`},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"seed": [1]}, "extra": 1}`, "extra = (a key) is not allowed"},
		{`{"base": {"task": {"name": "pdm"}}, "Axes": {"seed": [1, 2]}}`, "Axes = (a key) is not allowed"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"seed": [1, 2], "mask.seed": [3, 4]}}`, "axes.mask.seed = (an axis) is not allowed with axes.seed"},
		{`{"base": {"task": {"name": "pdm"}}, "axes": {"seed": [-1]}}`, "member 0000"},
	} {
		s, err := Parse([]byte(c.spec), "test")
		if err == nil {
			_, err = s.Members()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.spec, err, c.want)
		}
	}
}
