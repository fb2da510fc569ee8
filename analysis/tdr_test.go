package analysis

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// plantTDR builds rates in which variable v drives the population along a
// planted direction a_v with a time course peaking at step peak[v].
func plantTDR(t *testing.T, trials int, rng *rand.Rand) (TDRInput, [][]float64, []int) {
	t.Helper()
	const S, N = 30, 40
	names := []string{"choice", "coh1", "coh2", "context"}
	peak := []int{25, 10, 12, 5}
	V := len(names)
	dirs := make([][]float64, V)
	for v := range dirs {
		dirs[v] = make([]float64, N)
		for i := range N {
			dirs[v][i] = rng.NormFloat64()
		}
	}
	in := TDRInput{Trials: trials, Steps: S, N: N, Names: names, Values: make([][]float64, V),
		Rates: make([]float32, trials*S*N), Condition: make([]int, trials)}
	cohs := []float64{-0.5, -0.15, 0.15, 0.5}
	for v := range V {
		in.Values[v] = make([]float64, trials)
	}
	for k := range trials {
		c1, c2 := cohs[rng.IntN(4)], cohs[rng.IntN(4)]
		ctx := float64(2*rng.IntN(2) - 1)
		rel := c1
		if ctx < 0 {
			rel = c2
		}
		ch := 1.0
		if rel+0.1*rng.NormFloat64() < 0 {
			ch = -1
		}
		vals := []float64{ch, c1, c2, ctx}
		for v := range V {
			in.Values[v][k] = vals[v]
		}
		ci := 0
		if ch > 0 {
			ci = 1
		}
		if ctx > 0 {
			ci += 2
		}
		in.Condition[k] = ci
		for s := range S {
			for i := range N {
				x := 0.0
				for v := range V {
					g := math.Exp(-float64((s-peak[v])*(s-peak[v])) / 20)
					x += dirs[v][i] * g * vals[v]
				}
				in.Rates[(k*S+s)*N+i] = float32(x + 0.3*rng.NormFloat64())
			}
		}
	}
	in.ConditionNames = []string{"choice -1, context -1", "choice +1, context -1", "choice -1, context +1", "choice +1, context +1"}
	return in, dirs, peak
}

// TDR recovers planted axes: the QR-orthogonalised axes span the planted
// directions in order (the first axis is the first direction), each
// variable's time of maximum norm is its peak, and the projections
// separate the conditions along the choice axis.
func TestTDRRecoversPlantedAxes(t *testing.T) {
	in, dirs, peak := plantTDR(t, 400, rand.New(rand.NewPCG(2, 3)))
	res, err := TDR(in, TDROptions{})
	if err != nil {
		t.Fatal(err)
	}
	V, N := len(in.Names), in.N
	for v := range V {
		if d := res.TMax[v] - peak[v]; d < -1 || d > 1 {
			t.Errorf("%s: time of maximum norm %d, planted peak %d", in.Names[v], res.TMax[v], peak[v])
		}
		// The raw (denoised) vector points along the planted direction.
		raw := make([]float64, N)
		for i := range N {
			raw[i] = res.Raw[i*V+v]
		}
		if c := cosine(raw, dirs[v]); c < 0.95 {
			t.Errorf("%s: cosine of its coefficient vector with the planted direction %.3f", in.Names[v], c)
		}
		for w := range V {
			dot := 0.0
			for i := range N {
				dot += res.Axes[i*V+v] * res.Axes[i*V+w]
			}
			want := 0.0
			if v == w {
				want = 1
			}
			if math.Abs(dot-want) > 1e-9 {
				t.Errorf("axes %d·%d = %g, want %g", v, w, dot, want)
			}
		}
	}
	// Choice +1 conditions lie above choice −1 on the choice axis late in
	// the trial.
	s := peak[0]
	at := func(c int) float64 { return res.Projections[(c*in.Steps+s)*V+0] }
	if !(at(1) > at(0) && at(3) > at(2)) {
		t.Errorf("choice axis at step %d: %v %v %v %v", s, at(0), at(1), at(2), at(3))
	}
}

func cosine(a, b []float64) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	return ab / math.Sqrt(aa*bb)
}

func TestTDRErrors(t *testing.T) {
	good, _, _ := plantTDR(t, 40, rand.New(rand.NewPCG(1, 1)))
	for _, c := range []struct {
		name string
		edit func(*TDRInput)
		want string
	}{
		{"rates size", func(in *TDRInput) { in.Rates = in.Rates[:10] }, "rates has 10 values"},
		{"no variables", func(in *TDRInput) { in.Names, in.Values = nil, nil }, "need at least one"},
		{"values length", func(in *TDRInput) { in.Values[1] = in.Values[1][:3] }, `"coh1" has 3 values`},
		{"NaN value", func(in *TDRInput) { in.Values[0][2] = math.NaN() }, "must be finite"},
		{"condition out of range", func(in *TDRInput) { in.Condition[0] = 9 }, "condition 9"},
		{"collinear", func(in *TDRInput) { in.Values[2] = append([]float64(nil), in.Values[1]...) }, "collinear"},
	} {
		in := good
		in.Values = make([][]float64, len(good.Values))
		for v := range good.Values {
			in.Values[v] = append([]float64(nil), good.Values[v]...)
		}
		in.Condition = append([]int(nil), good.Condition...)
		c.edit(&in)
		if _, err := TDR(in, TDROptions{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
