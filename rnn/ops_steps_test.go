package rnn

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestOpHashesKeepEveryField checks that ops differing only in a field past 255 (where
// gorgonia's own slice op loses the high bytes) hash differently, so gorgonia never merges them.
func TestOpHashesKeepEveryField(t *testing.T) {
	pairs := []struct {
		name string
		a, b G.Op
	}{
		{"stepRange.from", stepRangeOp{from: 1, to: 2, inT: 300, squeeze: true}, stepRangeOp{from: 257, to: 258, inT: 300, squeeze: true}},
		{"stepRange.to", stepRangeOp{from: 0, to: 10, inT: 300}, stepRangeOp{from: 0, to: 266, inT: 300}},
		{"stepRange.inT", stepRangeOp{from: 0, to: 1, inT: 44, squeeze: true}, stepRangeOp{from: 0, to: 1, inT: 300, squeeze: true}},
		{"stepRange.squeeze", stepRangeOp{from: 0, to: 1, inT: 4}, stepRangeOp{from: 0, to: 1, inT: 4, squeeze: true}},
		{"stepPad.from", stepPadOp{from: 3, len: 1, outT: 300, squeeze: true}, stepPadOp{from: 259, len: 1, outT: 300, squeeze: true}},
		{"stepPad.len", stepPadOp{from: 0, len: 2, outT: 600}, stepPadOp{from: 0, len: 258, outT: 600}},
		{"stepStack.steps", stepStackOp{steps: 3}, stepStackOp{steps: 259}},
		{"fusedUnpack.off", &fusedUnpackOp{id: 1, off: 5, shape: tensor.Shape{4}, dtype: tensor.Float32}, &fusedUnpackOp{id: 1, off: 261, shape: tensor.Shape{4}, dtype: tensor.Float32}},
		{"fusedUnpack.id", &fusedUnpackOp{id: 1, off: 5, shape: tensor.Shape{4}, dtype: tensor.Float32}, &fusedUnpackOp{id: 257, off: 5, shape: tensor.Shape{4}, dtype: tensor.Float32}},
		{"fusedUnpack.shape", &fusedUnpackOp{id: 1, off: 0, shape: tensor.Shape{2, 3}, dtype: tensor.Float32}, &fusedUnpackOp{id: 1, off: 0, shape: tensor.Shape{3, 2}, dtype: tensor.Float32}},
		{"fusedForward.id", &fusedForwardOp[float32]{fusedMeta: fusedMeta{id: 1, act: ReLU, B: 1, T: 1, N: 1}}, &fusedForwardOp[float32]{fusedMeta: fusedMeta{id: 257, act: ReLU, B: 1, T: 1, N: 1}}},
		{"fusedForward.act", &fusedForwardOp[float32]{fusedMeta: fusedMeta{id: 1, act: ReLU, B: 1, T: 1, N: 1}}, &fusedForwardOp[float32]{fusedMeta: fusedMeta{id: 1, act: Tanh, B: 1, T: 1, N: 1}}},
		{"fusedForward.T", &fusedForwardOp[float32]{fusedMeta: fusedMeta{id: 1, act: ReLU, B: 1, T: 1, N: 1}}, &fusedForwardOp[float32]{fusedMeta: fusedMeta{id: 1, act: ReLU, B: 1, T: 257, N: 1}}},
		{"fusedForward.xi", &fusedForwardOp[float32]{fusedMeta: fusedMeta{id: 1, act: ReLU, B: 1, T: 1, N: 1}}, &fusedForwardOp[float32]{fusedMeta: fusedMeta{id: 1, act: ReLU, B: 1, T: 1, N: 1, hasXi: true}}},
		{"fused forward vs backward", &fusedForwardOp[float32]{fusedMeta: fusedMeta{id: 1, act: ReLU, B: 1, T: 1, N: 1}}, &fusedBackwardOp[float32]{fusedMeta: fusedMeta{id: 1, act: ReLU, B: 1, T: 1, N: 1}}},
	}
	for _, p := range pairs {
		if p.a.Hashcode() == p.b.Hashcode() {
			t.Errorf("%s: %v and %v hash alike", p.name, p.a, p.b)
		}
	}
}

// TestStepOpsRoundTrip checks range, pad and stack against plain index arithmetic.
func TestStepOpsRoundTrip(t *testing.T) {
	const B, T, N = 2, 5, 3
	x := make([]float64, B*T*N)
	for i := range x {
		x[i] = float64(i)
	}
	in := tensor.New(tensor.WithShape(B, T, N), tensor.WithBacking(x))
	got, err := stepRangeOp{from: 1, to: 4, inT: T}.Do(in)
	if err != nil {
		t.Fatal(err)
	}
	g := got.(*tensor.Dense).Float64s()
	for b := 0; b < B; b++ {
		for s := 0; s < 3; s++ {
			for n := 0; n < N; n++ {
				if w := x[(b*T+s+1)*N+n]; g[(b*3+s)*N+n] != w {
					t.Fatalf("range[1:4] at (%d,%d,%d) = %v, want %v", b, s, n, g[(b*3+s)*N+n], w)
				}
			}
		}
	}
	padded, err := stepPadOp{from: 1, len: 3, outT: T}.Do(got)
	if err != nil {
		t.Fatal(err)
	}
	p := padded.(*tensor.Dense).Float64s()
	for b := 0; b < B; b++ {
		for s := 0; s < T; s++ {
			for n := 0; n < N; n++ {
				w := x[(b*T+s)*N+n]
				if s < 1 || s >= 4 {
					w = 0
				}
				if p[(b*T+s)*N+n] != w {
					t.Fatalf("pad at (%d,%d,%d) = %v, want %v", b, s, n, p[(b*T+s)*N+n], w)
				}
			}
		}
	}
	steps := make([]G.Value, T)
	for s := range steps {
		if steps[s], err = (stepRangeOp{from: s, to: s + 1, inT: T, squeeze: true}).Do(in); err != nil {
			t.Fatal(err)
		}
	}
	stacked, err := stepStackOp{steps: T}.Do(steps...)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range stacked.(*tensor.Dense).Float64s() {
		if v != x[i] {
			t.Fatalf("stack of selected steps differs at %d: %v, want %v", i, v, x[i])
		}
	}
}
