package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// tvTestClose fails unless got and want agree to within tol.
func tvTestClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s has %d values, want %d: %v", what, len(got), len(want), got)
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestTaskVarianceHand checks a case worked out by hand. Task "a": two
// trials (each its own condition), two steps, two units. Unit 0 is 0, 2
// in trial 0 and 2, 4 in trial 1: the variance across trials is 1 at both
// steps, so TV = 1. Unit 1 is 1, 1 and 1, 3: variance 0 then 1, TV = 0.5.
// Task "b": four trials in two conditions (0, 0, 1, 1), one step: unit
// 0's condition means are 1 and 3 (variance 1), unit 1's 2 and 2 (0),
// whatever the spread within a condition.
func TestTaskVarianceHand(t *testing.T) {
	a := TaskActivity{Name: "a", Trials: 2, Steps: 2, N: 2, Rates: []float32{
		0, 1, 2, 1, // trial 0: step 0 (unit 0, unit 1), step 1
		2, 1, 4, 3, // trial 1
	}}
	b := TaskActivity{Name: "b", Trials: 4, Steps: 1, N: 2, Condition: []int{0, 0, 1, 1}, Rates: []float32{
		0, 1,
		2, 3,
		3, 2,
		3, 2,
	}}
	res, err := TaskVariance([]TaskActivity{a, b}, TaskVarianceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tvTestClose(t, "Var", res.Var, []float64{1, 1, 0.5, 0}, 1e-12)
	if !slices.Equal(res.Tasks, []string{"a", "b"}) || !slices.Equal(res.Conditions, []int{2, 2}) {
		t.Errorf("tasks %v, conditions %v", res.Tasks, res.Conditions)
	}
	if res.MinTotal != DefaultMinTotal || !slices.Equal(res.Active, []int{0, 1}) {
		t.Errorf("min total %v, active %v", res.MinTotal, res.Active)
	}
	tvTestClose(t, "Norm", res.Norm, []float64{1, 1, 1, 0}, 0)
	ftv, units, err := res.Fractional("a", "b")
	if err != nil {
		t.Fatal(err)
	}
	tvTestClose(t, "FTV(a, b)", ftv, []float64{0, 1}, 1e-12)
	if !slices.Equal(units, []int{0, 1}) {
		t.Errorf("FTV units %v", units)
	}
	ftv, _, _ = res.Fractional("b", "a")
	tvTestClose(t, "FTV(b, a)", ftv, []float64{0, -1}, 1e-12)
}

// tvTestYang is variance.py's formula on one trial per condition, written
// as plainly as possible: h[trial][step][unit] → var over trials at each
// step, mean over steps [from, to).
func tvTestYang(rates []float32, trials, steps, n, from, to int) []float64 {
	out := make([]float64, n)
	for i := range n {
		for s := from; s < to; s++ {
			mean := 0.0
			for k := range trials {
				mean += float64(rates[(k*steps+s)*n+i])
			}
			mean /= float64(trials)
			v := 0.0
			for k := range trials {
				d := float64(rates[(k*steps+s)*n+i]) - mean
				v += d * d
			}
			out[i] += v / float64(trials)
		}
		out[i] /= float64(to - from)
	}
	return out
}

// tvTestRates returns rates of a ring of conditions: unit i's rate in
// condition c at step s is g_i (1 + cos(θ_c − φ_i)) (s+1)/steps, θ_c
// spread around the circle.
func tvTestRates(conds, steps, n int, gain []float64) []float32 {
	r := make([]float32, conds*steps*n)
	for c := range conds {
		th := 2 * math.Pi * float64(c) / float64(conds)
		for s := range steps {
			for i := range n {
				phi := float64(i)
				r[(c*steps+s)*n+i] = float32(gain[i] * (1 + math.Cos(th-phi)) * float64(s+1) / float64(steps))
			}
		}
	}
	return r
}

// TestTaskVarianceMatchesYang: with one trial per condition TaskVariance
// is variance.py's h.var(axis=1).mean(axis=0); repeating each condition
// with noise that cancels within the condition changes nothing; aligning
// shifted copies of the trials on their shift changes nothing either.
func TestTaskVarianceMatchesYang(t *testing.T) {
	const C, S, N, from = 8, 12, 5, 3
	gain := []float64{1, 0.5, 0, 0.01, 2}
	rates := tvTestRates(C, S, N, gain)
	want := tvTestYang(rates, C, S, N, from, S)
	res, err := TaskVariance([]TaskActivity{{Name: "go", Rates: rates, Trials: C, Steps: S, N: N, From: from}}, TaskVarianceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tvTestClose(t, "Var", res.Var, want, 1e-12)
	// Unit 2 is silent and unit 3's variance (~1e-4·…) is below 1e-3.
	if !slices.Equal(res.Active, []int{0, 1, 4}) {
		t.Errorf("active %v, want [0 1 4] (variances %v)", res.Active, res.Var)
	}
	tvTestClose(t, "Norm", res.Norm, []float64{1, 1, 1}, 0) // one task: every kept unit peaks there

	// Each condition twice, ± the same noise, interleaved.
	rng := rand.New(rand.NewPCG(1, 2))
	rep := make([]float32, 2*C*S*N)
	cond := make([]int, 2*C)
	for c := range C {
		cond[2*c], cond[2*c+1] = c, c
		for j := range S * N {
			e := float32(rng.NormFloat64() * 0.25)
			rep[(2*c)*S*N+j] = rates[c*S*N+j] + e
			rep[(2*c+1)*S*N+j] = rates[c*S*N+j] - e
		}
	}
	res2, err := TaskVariance([]TaskActivity{{Name: "go", Rates: rep, Trials: 2 * C, Steps: S, N: N, From: from, Condition: cond}}, TaskVarianceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tvTestClose(t, "Var (repeated conditions)", res2.Var, want, 1e-6)

	// Trial c shifted right by c%3 steps inside a longer array, aligned
	// back; trailing steps hold garbage the window must not reach.
	const S2 = S + 4
	shifted := make([]float32, C*S2*N)
	align := make([]int, C)
	for c := range C {
		align[c] = c % 3
		for j := range shifted[c*S2*N : (c+1)*S2*N] {
			shifted[c*S2*N+j] = 1e6 * float32(c)
		}
		copy(shifted[(c*S2+align[c])*N:], rates[c*S*N:(c+1)*S*N])
	}
	res3, err := TaskVariance([]TaskActivity{{Name: "go", Rates: shifted, Trials: C, Steps: S2, N: N, From: from, To: S, Align: align}}, TaskVarianceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tvTestClose(t, "Var (aligned)", res3.Var, want, 1e-12)
	// To = 0 with Align runs to the last step every trial has: S2 − 2,
	// which reaches the garbage of the trials shifted by 0 … 1.
	res4, err := TaskVariance([]TaskActivity{{Name: "go", Rates: shifted, Trials: C, Steps: S2, N: N, From: from, Align: align}}, TaskVarianceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res4.Var[0] < 1e6 {
		t.Errorf("To = 0 with Align stopped before step %d: Var %v", S2-2, res4.Var)
	}
	// Leaving trials out with −1.
	cond5 := make([]int, C)
	for c := range cond5 {
		cond5[c] = c
		if c%2 == 1 {
			cond5[c] = -1
		}
	}
	res5, err := TaskVariance([]TaskActivity{{Name: "go", Rates: rates, Trials: C, Steps: S, N: N, From: from, Condition: cond5}}, TaskVarianceOptions{MinTotal: -1})
	if err != nil {
		t.Fatal(err)
	}
	var even []float32
	for c := 0; c < C; c += 2 {
		even = append(even, rates[c*S*N:(c+1)*S*N]...)
	}
	tvTestClose(t, "Var (even conditions)", res5.Var, tvTestYang(even, C/2, S, N, from, S), 1e-12)
	if res5.Conditions[0] != C/2 || !slices.Equal(res5.Active, []int{0, 1, 3, 4}) {
		t.Errorf("conditions %v, active %v: want %d and every unit that varies", res5.Conditions, res5.Active, C/2)
	}
}

// TestTaskVarianceThreshold: the summed variance over tasks decides which
// units are kept; Norm divides by the unit's maximum; Fractional selects
// on the pair's sum.
func TestTaskVarianceThreshold(t *testing.T) {
	// Three tasks, four units, two conditions, one step: a unit's rate is
	// ±d/2 in the two conditions, variance d²/4.
	d := [][]float64{ // [task][unit] → spread
		{2, 0.04, 0.04, 0},
		{1, 0.04, 0, 0},
		{0, 0.04, 0, 0.02},
	}
	var tasks []TaskActivity
	for a, name := range []string{"x", "y", "z"} {
		r := make([]float32, 2*4)
		for i := range 4 {
			r[i], r[4+i] = float32(d[a][i]/2), float32(-d[a][i]/2)
		}
		tasks = append(tasks, TaskActivity{Name: name, Rates: r, Trials: 2, Steps: 1, N: 4})
	}
	res, err := TaskVariance(tasks, TaskVarianceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Unit 1: 3 × 4e-4 = 1.2e-3 > 1e-3, kept; unit 2: 4e-4, unit 3: 1e-4, dropped.
	if !slices.Equal(res.Active, []int{0, 1}) {
		t.Fatalf("active %v, want [0 1] (Var %v)", res.Active, res.Var)
	}
	tvTestClose(t, "Norm", res.Norm, []float64{1, 0.25, 0, 1, 1, 1}, 1e-6)
	// FTV(x, y): unit 0 (1 − 0.25)/(1.25) = 0.6; unit 1's pair sum 8e-4 is
	// below 1e-3, so it is left out, as are units 2 and 3.
	ftv, units, err := res.Fractional("x", "y")
	if err != nil {
		t.Fatal(err)
	}
	tvTestClose(t, "FTV(x, y)", ftv, []float64{0.6}, 1e-6)
	if !slices.Equal(units, []int{0}) {
		t.Errorf("FTV units %v, want [0]", units)
	}
	// A lower threshold keeps units 2 and 3 too.
	res, err = TaskVariance(tasks, TaskVarianceOptions{MinTotal: 1e-5})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Active, []int{0, 1, 2, 3}) {
		t.Errorf("active %v with min total 1e-5", res.Active)
	}
	ftv, units, _ = res.Fractional("x", "z")
	tvTestClose(t, "FTV(x, z)", ftv, []float64{1, 0, 1, -1}, 1e-6)
	if !slices.Equal(units, []int{0, 1, 2, 3}) {
		t.Errorf("FTV units %v", units)
	}
	for _, pair := range [][2]string{{"x", "x"}, {"x", "w"}, {"w", "x"}} {
		if _, _, err := res.Fractional(pair[0], pair[1]); err == nil {
			t.Errorf("Fractional(%q, %q) gave no error", pair[0], pair[1])
		}
	}
}

func TestTaskVarianceErrors(t *testing.T) {
	ok := func() TaskActivity {
		return TaskActivity{Name: "a", Rates: []float32{0, 1, 2, 3}, Trials: 2, Steps: 2, N: 1}
	}
	with := func(f func(*TaskActivity)) []TaskActivity {
		a := ok()
		f(&a)
		return []TaskActivity{a}
	}
	for _, tc := range []struct {
		name  string
		tasks []TaskActivity
		opt   TaskVarianceOptions
		want  string
	}{
		{"none", nil, TaskVarianceOptions{}, "no tasks"},
		{"no name", with(func(a *TaskActivity) { a.Name = "" }), TaskVarianceOptions{}, "no name"},
		{"twice", []TaskActivity{ok(), ok()}, TaskVarianceOptions{}, "given twice"},
		{"units", []TaskActivity{ok(), {Name: "b", Rates: make([]float32, 8), Trials: 2, Steps: 2, N: 2}}, TaskVarianceOptions{}, "same units"},
		{"shape", with(func(a *TaskActivity) { a.Trials = 0 }), TaskVarianceOptions{}, "trials = 0"},
		{"length", with(func(a *TaskActivity) { a.Rates = a.Rates[:3] }), TaskVarianceOptions{}, "rates has 3 values"},
		{"conditions length", with(func(a *TaskActivity) { a.Condition = []int{0} }), TaskVarianceOptions{}, "1 condition labels for 2 trials"},
		{"condition", with(func(a *TaskActivity) { a.Condition = []int{0, -2} }), TaskVarianceOptions{}, "condition -2"},
		{"one condition", with(func(a *TaskActivity) { a.Condition = []int{3, 3} }), TaskVarianceOptions{}, "1 stimulus condition"},
		{"window", with(func(a *TaskActivity) { a.From = 2 }), TaskVarianceOptions{}, "window [2, 2)"},
		{"window end", with(func(a *TaskActivity) { a.To = 3 }), TaskVarianceOptions{}, "window [0, 3)"},
		{"negative from", with(func(a *TaskActivity) { a.From = -1 }), TaskVarianceOptions{}, "window [-1, 2)"},
		{"align length", with(func(a *TaskActivity) { a.Align = []int{0} }), TaskVarianceOptions{}, "1 alignment steps"},
		{"align", with(func(a *TaskActivity) { a.Align, a.To = []int{0, 1}, 2 }), TaskVarianceOptions{}, "trial 1 window [1, 3)"},
		{"nan", with(func(a *TaskActivity) { a.Rates[1] = float32(math.NaN()) }), TaskVarianceOptions{}, "must be finite"},
		{"min total", []TaskActivity{ok()}, TaskVarianceOptions{MinTotal: math.Inf(1)}, "min total"},
		{"silent", with(func(a *TaskActivity) { a.Rates = []float32{1, 1, 1, 1} }), TaskVarianceOptions{}, "no unit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := TaskVariance(tc.tasks, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestFTVHistogram(t *testing.T) {
	counts, edges, err := FTVHistogram([]float64{-1, -0.95, -0.5, 0, 0.05, 0.999, 1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 20 || len(edges) != 21 || edges[0] != -1 || edges[5] != -0.5 || edges[10] != 0 || edges[20] != 1 {
		t.Fatalf("%d counts, edges %v", len(counts), edges)
	}
	want := make([]int, 20)
	want[0] = 2  // −1, −0.95
	want[5] = 1  // −0.5 is bin 5's left edge
	want[10] = 2 // 0 and 0.05
	want[19] = 2 // 0.999 and 1 (the last bin is closed)
	if !slices.Equal(counts, want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
	// Every value falls in the bin whose edges enclose it.
	rng := rand.New(rand.NewPCG(3, 4))
	vals := make([]float64, 1000)
	for i := range vals {
		vals[i] = 2*rng.Float64() - 1
	}
	counts, edges, err = FTVHistogram(vals, 7)
	if err != nil {
		t.Fatal(err)
	}
	for j := range counts {
		n := 0
		for _, v := range vals {
			if v >= edges[j] && (v < edges[j+1] || j == 6 && v <= 1) {
				n++
			}
		}
		if n != counts[j] {
			t.Errorf("bin %d [%v, %v) counts %d, want %d", j, edges[j], edges[j+1], counts[j], n)
		}
	}
	for _, bad := range [][]float64{{1.0001}, {math.NaN()}, {-2}} {
		if _, _, err := FTVHistogram(bad, 0); err == nil {
			t.Errorf("%v was binned", bad)
		}
	}
	if _, _, err := FTVHistogram(nil, -1); err == nil {
		t.Error("bins = -1 accepted")
	}
}
