package tasks

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestDMSTestIntoDecision: the shaping option shows the test for the given
// ms into the decision period and changes nothing else; without it the
// decision period shows nothing (sigma 0: no noise either).
func TestDMSTestIntoDecision(t *testing.T) {
	for _, ms := range []float64{0, 200, 5000} {
		p, _ := json.Marshal(map[string]any{"test_into_decision": ms, "sigma": 0, "ring": 16})
		task, err := New("dms", p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := task.Sample(rand.New(rand.NewPCG(1, 2)), 8)
		if err != nil {
			t.Fatal(err)
		}
		for i, tr := range b.Trials {
			test := period(tr.Periods, "test")
			dec := period(tr.Periods, "decision")
			shown := min(dec.Start+int(ms/10), dec.End)
			for s := dec.Start; s < dec.End; s++ {
				for j := 1; j < b.In; j++ {
					got := b.Inputs[(i*b.Steps+s)*b.In+j]
					want := float32(0)
					if s < shown {
						want = b.Inputs[(i*b.Steps+test.Start)*b.In+j]
					}
					if got != want {
						t.Fatalf("test_into_decision=%v trial %d step %d ring unit %d = %v, want %v", ms, i, s, j, got, want)
					}
				}
			}
		}
	}
	if _, err := New("dms", json.RawMessage(`{"test_into_decision": -1}`)); err == nil {
		t.Error("test_into_decision = -1 accepted")
	}
}
