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
