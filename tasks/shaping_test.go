package tasks

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestDMSTestInDecision: the shaping option shows the test through the
// decision period and changes nothing else; without it the decision period
// shows nothing but noise-free zeros on the ring.
func TestDMSTestInDecision(t *testing.T) {
	for _, on := range []bool{false, true} {
		p, _ := json.Marshal(map[string]any{"test_in_decision": on, "sigma": 0})
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
			for _, s := range []int{dec.Start, dec.End - 1} {
				for j := 1; j < b.In; j++ {
					got := b.Inputs[(i*b.Steps+s)*b.In+j]
					want := float32(0)
					if on {
						want = b.Inputs[(i*b.Steps+test.Start)*b.In+j]
					}
					if got != want {
						t.Fatalf("test_in_decision=%v trial %d step %d ring unit %d = %v, want %v", on, i, s, j, got, want)
					}
				}
			}
		}
	}
}
