package rnn

import (
	"math"
	"strings"
	"testing"
)

func TestActivationValidate(t *testing.T) {
	for _, a := range activations {
		if err := a.Validate(); err != nil {
			t.Errorf("%q: %v", a, err)
		}
	}
	for _, bad := range []Activation{"", "ReLU", "gelu"} {
		err := bad.Validate()
		if err == nil {
			t.Errorf("%q: no error", bad)
			continue
		}
		if !strings.Contains(err.Error(), `"`+string(bad)+`"`) || !strings.Contains(err.Error(), "softplus") {
			t.Errorf("%q: error %q should name the value and the allowed set", bad, err)
		}
	}
}

// TestActivationKernels checks f and f' of the fused kernels (float32 and float64, separate and
// fused passes) against the float64 reference, including v = 0, ±0 and large |v|.
func TestActivationKernels(t *testing.T) {
	v := []float64{-30, -3, -1, -0.5, math.Copysign(0, -1), 0, 1e-30, 0.25, 1, 2.5, 20, 120}
	for _, act := range activations {
		k := act.kind()
		v32 := make([]float32, len(v))
		for i, x := range v {
			v32[i] = float32(x)
		}
		r64, d64 := make([]float64, len(v)), make([]float64, len(v))
		r32, d32 := make([]float32, len(v)), make([]float32, len(v))
		actBoth(k, v, r64, d64)
		actBoth(k, v32, r32, d32)
		a64, b64 := make([]float64, len(v)), make([]float64, len(v))
		actApply(k, v, a64)
		actDeriv(k, v, b64)
		for i, x := range v {
			f, d := recActRef(act, x)
			if act == Softplus && x > 16 {
				f = x // the cut-off gorgonia uses as well
			}
			for _, c := range []struct {
				what      string
				got, want float64
				tol       float64
			}{
				{"f64", r64[i], f, 1e-8}, {"f'64", d64[i], d, 1e-8}, // gorgonia cuts sigmoid off at 19
				{"f32", float64(r32[i]), f, 1e-6}, {"f'32", float64(d32[i]), d, 1e-6},
				{"apply", a64[i], f, 1e-8}, {"deriv", b64[i], d, 1e-8},
			} {
				if math.Abs(c.got-c.want) > c.tol*math.Max(1, math.Abs(c.want)) {
					t.Errorf("%s %s(%v) = %v, want %v", act, c.what, x, c.got, c.want)
				}
			}
		}
	}
}
