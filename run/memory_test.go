package run

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/internal/memlimit"
)

func available() int64 { a, _ := memlimit.Available(); return a }

func resolveJSON(t *testing.T, s string) *Resolved {
	t.Helper()
	rc, err := Parse([]byte(s), "test")
	if err != nil {
		t.Fatal(err)
	}
	r, err := Resolve(rc, "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The estimate grows with what sizes it, and a run that cannot fit is
// refused naming the setting that asks for the memory.
func TestMemoryEstimate(t *testing.T) {
	base := resolveJSON(t, `{"task": {"name": "pdm"}, "hidden_size": 64, "train": {"batch_size": 16}}`)
	need, parts := base.Memory()
	if need <= 0 || len(parts) == 0 {
		t.Fatalf("estimate %d %v", need, parts)
	}
	part := func(r *Resolved, what string) int64 {
		_, ps := r.Memory()
		for _, p := range ps {
			if p.What == what {
				return p.Bytes
			}
		}
		return -1
	}
	double := resolveJSON(t, `{"task": {"name": "pdm"}, "hidden_size": 64, "train": {"batch_size": 32}}`)
	g1, g2 := part(base, "training graphs"), part(double, "training graphs")
	if !(float64(g2) > 1.6*float64(g1) && float64(g2) < 2.4*float64(g1)) {
		t.Errorf("training graph %d bytes at batch 16, %d at 32: want about twice", g1, g2)
	}
	if err := base.CheckMemory(); err != nil {
		t.Errorf("a small run is refused: %v", err)
	}
	// yang20 trains on one rule per batch, each padded to its rule's
	// longest trial: one graph per length (6 at the default timing);
	// mixing trials, one graph of the longest.
	perRule := resolveJSON(t, `{"task": {"name": "yang20"}, "hidden_size": 32, "train": {"batch_size": 8}}`)
	mixed := resolveJSON(t, `{"task": {"name": "yang20", "params": {"mixing": "trial"}}, "hidden_size": 32, "train": {"batch_size": 8}}`)
	lens := perRule.Task.(interface{ TrainSteps() []int }).TrainSteps()
	want := int64(0)
	for _, s := range lens {
		want += perRule.Model.GraphBytes(8, s, true)
	}
	if len(lens) != 6 || lens[0] != 210 || part(perRule, "training graphs") != want || part(mixed, "training graphs") != mixed.Model.GraphBytes(8, 210, true) {
		t.Errorf("yang20 training graphs: lengths %v, %d bytes (want %d); mixing trial %d bytes (want %d)", lens,
			part(perRule, "training graphs"), want, part(mixed, "training graphs"), mixed.Model.GraphBytes(8, 210, true))
	}
	for _, c := range []struct{ cfg, field string }{
		{`{"task": {"name": "pdm"}, "train": {"batch_size": 500000000}}`, "train.batch_size"},
		{`{"task": {"name": "pdm"}, "train": {"eval_trials": 500000000}}`, "train.eval_trials"},
		{`{"task": {"name": "pdm"}, "hidden_size": 46000}`, "hidden_size"},
		{`{"task": {"name": "pdm", "params": {"timing": {"stimulus": 1e7}}}}`, "task.params.timing"},
	} {
		var rc Config
		if err := json.Unmarshal([]byte(c.cfg), &rc); err != nil {
			t.Fatal(err)
		}
		r, err := Resolve(rc, "")
		if err != nil {
			t.Fatalf("%s: %v", c.cfg, err)
		}
		if need, _ := r.Memory(); need <= available() {
			t.Logf("%s: this machine has the %d bytes it needs", c.cfg, need)
			continue
		}
		err = r.CheckMemory()
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Field != c.field || !strings.Contains(ce.Allowed, "would need about") || !strings.Contains(ce.Allowed, "is available") {
			t.Errorf("%s: %v, want a *config.Error for %s saying what it would need", c.cfg, err, c.field)
		}
	}
}
