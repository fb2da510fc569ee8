package train

import (
	"bytes"
	"testing"
)

// Progress prints only to a writer: none means no progress; a writer that
// is not a terminal gets log lines.
func TestProgressIsOptIn(t *testing.T) {
	var buf bytes.Buffer
	for _, c := range []struct {
		name string
		w    *bytes.Buffer
		nop  bool
	}{
		{"no writer", nil, true},
		{"writer", &buf, false},
	} {
		var p progress
		if c.w == nil {
			p = newProgress(nil, 1, 3, []string{"mse"}, 0)
		} else {
			p = newProgress(c.w, 1, 3, []string{"mse"}, 0)
		}
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
