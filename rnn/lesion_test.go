package rnn

import (
	"math/rand/v2"
	"testing"
)

// A lesion zeroes exactly the synapses removed, keeps every other weight,
// leaves the original model alone, and changes the network's output.
func TestLesioned(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Dims = []int{2, 6, 1}
	m, err := New(cfg, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	n := 6
	keep := make([]float64, n*n)
	for i := range keep {
		keep[i] = 1
	}
	for j := range n {
		keep[2*n+j] = 0 // neuron 2 sends nothing
	}
	keepOut := []float64{1, 1, 0, 1, 1, 1}
	l, err := m.Lesioned(Masks{Hidden: keep, Readout: keepOut})
	if err != nil {
		t.Fatal(err)
	}
	_, w0, o0 := m.EffectiveFloat64()
	_, w1, o1 := l.EffectiveFloat64()
	for i := range w0 {
		want := w0[i]
		if i/n == 2 {
			want = 0
		}
		if w1[i] != want {
			t.Fatalf("w_rec_eff[%d] = %v after the lesion, want %v", i, w1[i], want)
		}
	}
	if o1[2] != 0 || o1[0] != o0[0] {
		t.Errorf("readout after the lesion %v, before %v", o1, o0)
	}
	if _, w2, _ := m.EffectiveFloat64(); w2[2*n] != w0[2*n] {
		t.Error("the lesion changed the original model")
	}
	x := make([]float32, 20*2)
	for i := range x {
		x[i] = 1
	}
	a, _ := m.Forward(x, 1, 20)
	b, _ := l.Forward(x, 1, 20)
	if a.Outputs[19] == b.Outputs[19] {
		t.Error("silencing a neuron did not change the output")
	}
	if _, err := m.Lesioned(Masks{Hidden: []float64{1}}); err == nil {
		t.Error("a keep mask of the wrong size was accepted")
	}
	bad := append([]float64(nil), keep...)
	bad[0] = 0.5
	if _, err := m.Lesioned(Masks{Hidden: bad}); err == nil {
		t.Error("a keep mask value of 0.5 was accepted")
	}
}
