package train

import (
	"bytes"
	"testing"
)

// A run prints only when asked: no Output, or Quiet, means no progress;
// an Output that is not a terminal gets log lines.
func TestProgressIsOptIn(t *testing.T) {
	var buf bytes.Buffer
	for _, c := range []struct {
		name string
		o    Options
		nop  bool
	}{
		{"zero options", Options{}, true},
		{"quiet with output", Options{Output: &buf, Quiet: true}, true},
		{"output", Options{Output: &buf, LogEvery: 1, Steps: 3}, false},
	} {
		p := newProgress(c.o, []string{"mse"}, 0)
		if _, isNop := p.(nopProgress); isNop != c.nop {
			t.Errorf("%s: progress %T, want nop %v", c.name, p, c.nop)
		}
		if !c.nop {
			p.step(Record{Step: 1, Losses: []float64{0.5}, Total: 0.5})
			p.finish()
			if buf.Len() == 0 {
				t.Errorf("%s: nothing written", c.name)
			}
		}
	}
}

// history.csv's columns are named in one place: every column of a header
// that is not a loss term is reserved, and a loss term's is not.
func TestHistoryColumns(t *testing.T) {
	terms := []string{"mse", "fr_l2"}
	for _, m := range []Measure{{}, {Name: "nmse"}, {Name: "mse"}, {Name: "r", HigherIsBetter: true}} {
		for _, c := range historyHeader(terms, m) {
			isTerm := c == "mse" || c == "fr_l2"
			if IsLossTermColumn(c) != isTerm {
				t.Errorf("measure %q: IsLossTermColumn(%q) = %v, want %v", m.Name, c, !isTerm, isTerm)
			}
		}
	}
	if _, err := DecodeOptions([]byte(`{"losses": [{"type": "mse", "name": "eval_x"}]}`)); err == nil {
		t.Error(`a loss term named "eval_x" (a measure's column) was accepted`)
	}
}
