package analysis

import (
	"cmp"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/dale-rnn/dale/rnn"
)

// dyn builds a map by hand: n neurons, no inputs unless win is given,
// one output reading the mean rate.
func dyn(act rnn.Activation, alpha, wrec, brec []float64) *rnn.Dynamics {
	n := len(alpha)
	wout := make([]float64, n)
	for i := range wout {
		wout[i] = 1 / float64(n)
	}
	return &rnn.Dynamics{N: n, In: 0, Out: 1, Activation: act, Alpha: alpha, WRec: wrec, WOut: wout,
		BRec: brec, BOut: []float64{0}, V0: make([]float64, n)}
}

// gaussStates returns count states of n values, each sd·N(0, 1) around
// centre (nil: 0).
func gaussStates(rng *rand.Rand, count, n int, centre []float64, sd float64) [][]float64 {
	out := make([][]float64, count)
	for k := range out {
		s := make([]float64, n)
		for i := range s {
			if centre != nil {
				s[i] = centre[i]
			}
			s[i] += sd * rng.NormFloat64()
		}
		out[k] = s
	}
	return out
}

// solveLinear solves a x = b (n×n row-major) by Gaussian elimination with
// partial pivoting, independently of the code under test.
func solveLinear(a, b []float64, n int) []float64 {
	m := slices.Clone(a)
	x := slices.Clone(b)
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r*n+c]) > math.Abs(m[p*n+c]) {
				p = r
			}
		}
		for j := range n {
			m[c*n+j], m[p*n+j] = m[p*n+j], m[c*n+j]
		}
		x[c], x[p] = x[p], x[c]
		for r := c + 1; r < n; r++ {
			f := m[r*n+c] / m[c*n+c]
			for j := c; j < n; j++ {
				m[r*n+j] -= f * m[c*n+j]
			}
			x[r] -= f * x[c]
		}
	}
	for c := n - 1; c >= 0; c-- {
		for j := c + 1; j < n; j++ {
			x[c] -= m[c*n+j] * x[j]
		}
		x[c] /= m[c*n+c]
	}
	return x
}

// checkModes checks J r = λ r, l J = λ l and l·r = 1 for every mode kept.
func checkModes(t *testing.T, d *rnn.Dynamics, p FixedPoint, tol float64) {
	t.Helper()
	n := d.N
	J := make([]float64, n*n)
	d.Jacobian(p.V, J)
	for k := range p.Right {
		lam, r, l := p.Eigenvalues[k], p.Right[k], p.Left[k]
		var dot complex128
		worst := 0.0
		for i := range n {
			var jr, lj complex128
			for j := range n {
				jr += complex(J[i*n+j], 0) * r[j]
				lj += l[j] * complex(J[j*n+i], 0)
			}
			worst = math.Max(worst, math.Max(cmplx.Abs(jr-lam*r[i]), cmplx.Abs(lj-lam*l[i])))
			dot += l[i] * r[i]
		}
		if worst > tol || cmplx.Abs(dot-1) > tol {
			t.Errorf("mode %d (λ = %v): eigenvector residual %g, l·r = %v", k, lam, worst, dot)
		}
	}
}

// TestFixedPointsAffine: relu with a drive that keeps every unit positive
// and weak weights (a contraction), so F is affine where it matters and
// has exactly one fixed point, the solution of (I − W_recᵀ) v = d, with
// the eigenvalues of diag(1 − α) + diag(α) W_recᵀ.
func TestFixedPointsAffine(t *testing.T) {
	const n = 6
	rng := rand.New(rand.NewPCG(3, 4))
	alpha := make([]float64, n)
	w := make([]float64, n*n)
	b := make([]float64, n)
	for i := range n {
		alpha[i] = 0.1 + 0.8*rng.Float64()
		b[i] = 1 + rng.Float64()
	}
	for i := range w {
		w[i] = 0.08 * rng.NormFloat64()
	}
	d := dyn(rnn.ReLU, alpha, w, b)
	// Expected: (I − Wᵀ) v = b.
	a := make([]float64, n*n)
	lin := make([]float64, n*n) // diag(1 − α) + diag(α) Wᵀ
	for i := range n {
		for j := range n {
			a[i*n+j] = -w[j*n+i]
			lin[i*n+j] = alpha[i] * w[j*n+i]
		}
		a[i*n+i]++
		lin[i*n+i] += 1 - alpha[i]
	}
	want := solveLinear(a, b, n)
	for i, x := range want {
		if x <= 0.5 {
			t.Fatalf("test setup: want[%d] = %v is not well inside the positive region", i, x)
		}
	}
	wantEig, err := Eigenvalues(lin, n)
	if err != nil {
		t.Fatal(err)
	}
	initial := gaussStates(rng, 40, n, nil, 2) // many start with units off
	res, err := FixedPoints(d, nil, initial, FixedPointOptions{Modes: n})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 1 || res.Converged != 40 || res.Duplicates != 39 || res.Tried != 40 {
		t.Fatalf("points %d, tried %d converged %d duplicates %d outliers %d not converged %d; want one point from all 40",
			len(res.Points), res.Tried, res.Converged, res.Duplicates, res.Outliers, res.NotConverged)
	}
	p := res.Points[0]
	if e := dist(p.V, want); e > 1e-12 {
		t.Errorf("|v − v*| = %g, want ≤ 1e-12 (v = %v, v* = %v)", e, p.V, want)
	}
	if p.Q > 1e-26 || p.Slow {
		t.Errorf("q = %g (slow %v), want ≤ 1e-26 after the relu polish", p.Q, p.Slow)
	}
	if p.Count != 40 || p.From != 0 {
		t.Errorf("count %d from %d, want 40 from 0", p.Count, p.From)
	}
	for k := range wantEig {
		if cmplx.Abs(p.Eigenvalues[k]-wantEig[k]) > 1e-10 {
			t.Errorf("eigenvalue %d = %v, want %v", k, p.Eigenvalues[k], wantEig[k])
		}
	}
	if p.Stability != "stable" || p.Unstable != 0 || p.Marginal != 0 {
		t.Errorf("stability %q (%d unstable, %d marginal), want stable", p.Stability, p.Unstable, p.Marginal)
	}
	meanRate := 0.0
	for i := range n {
		meanRate += math.Max(want[i], 0) / n
		if p.R[i] != math.Max(p.V[i], 0) {
			t.Errorf("R[%d] = %v for V %v", i, p.R[i], p.V[i])
		}
	}
	if math.Abs(p.Readout[0]-meanRate) > 1e-12 {
		t.Errorf("readout %v, want %v", p.Readout[0], meanRate)
	}
	if len(p.Right) != n || len(p.Left) != n {
		t.Fatalf("%d right and %d left modes, want %d", len(p.Right), len(p.Left), n)
	}
	checkModes(t, d, p, 1e-10)
}

// bistable: two uncoupled self-exciting tanh units, v_i = w_i tanh(v_i):
// each unit rests at −v_i*, 0 or +v_i*, so the map has 9 fixed points:
// 4 stable, 4 saddles (one unit at 0) and the unstable origin. The
// eigenvalue of unit i at v is 1 − α_i + α_i w_i (1 − tanh² v).
var (
	bistableW     = []float64{2, 3}
	bistableAlpha = []float64{0.1, 0.3}
)

func bistable() *rnn.Dynamics {
	w := []float64{bistableW[0], 0, 0, bistableW[1]}
	return dyn(rnn.Tanh, slices.Clone(bistableAlpha), w, []float64{0, 0})
}

// bistableRoot solves v = w tanh(v) for v > 0 by bisection.
func bistableRoot(w float64) float64 {
	lo, hi := 0.1, w+1
	for range 200 {
		mid := (lo + hi) / 2
		if mid-w*math.Tanh(mid) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}

func grid(lo, hi float64, k int) [][]float64 {
	var out [][]float64
	for a := range k {
		for b := range k {
			out = append(out, []float64{lo + (hi-lo)*float64(a)/float64(k-1), lo + (hi-lo)*float64(b)/float64(k-1)})
		}
	}
	return out
}

func TestFixedPointsBistable(t *testing.T) {
	d := bistable()
	roots := []float64{bistableRoot(bistableW[0]), bistableRoot(bistableW[1])}
	res, err := FixedPoints(d, nil, grid(-4, 4, 21), FixedPointOptions{Modes: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 9 || res.NotConverged != 0 || res.Outliers != 0 {
		t.Fatalf("%d points (%d not converged, %d outliers), want 9", len(res.Points), res.NotConverged, res.Outliers)
	}
	found := map[[2]int]bool{}
	classes := map[string]int{}
	for _, p := range res.Points {
		var key [2]int
		for i := range 2 {
			// Which of −v*, 0, +v* unit i sits at.
			switch {
			case math.Abs(p.V[i]) < 1e-9:
			case math.Abs(p.V[i]-roots[i]) < 1e-9:
				key[i] = 1
			case math.Abs(p.V[i]+roots[i]) < 1e-9:
				key[i] = -1
			default:
				t.Fatalf("point %v: unit %d is not at 0 or ±%v", p.V, i, roots[i])
			}
		}
		if found[key] {
			t.Errorf("point %v found twice", key)
		}
		found[key] = true
		var want []complex128
		unstable := 0
		for i := range 2 {
			th := math.Tanh(p.V[i])
			lam := 1 - bistableAlpha[i] + bistableAlpha[i]*bistableW[i]*(1-th*th)
			want = append(want, complex(lam, 0))
			if key[i] == 0 {
				unstable++
			}
		}
		slices.SortFunc(want, func(a, b complex128) int { return -cmp.Compare(real(a), real(b)) })
		for k := range 2 {
			if cmplx.Abs(p.Eigenvalues[k]-want[k]) > 1e-9 {
				t.Errorf("point %v: eigenvalues %v, want %v", key, p.Eigenvalues, want)
			}
		}
		wantClass := map[int]string{0: "stable", 1: "saddle", 2: "unstable"}[unstable]
		if p.Stability != wantClass || p.Unstable != unstable {
			t.Errorf("point %v: %q with %d unstable, want %q with %d", key, p.Stability, p.Unstable, wantClass, unstable)
		}
		classes[p.Stability]++
		checkModes(t, d, p, 1e-10)
		if p.Q > 1e-26 {
			t.Errorf("point %v: q = %g", key, p.Q)
		}
	}
	if classes["stable"] != 4 || classes["saddle"] != 4 || classes["unstable"] != 1 {
		t.Errorf("classes %v, want 4 stable, 4 saddle, 1 unstable", classes)
	}
	total := 0
	for _, p := range res.Points {
		total += p.Count
	}
	if total != res.Tried || res.Converged != res.Tried {
		t.Errorf("counts sum to %d, converged %d, tried %d", total, res.Converged, res.Tried)
	}
}

// hopfield: N = 16 neurons storing three orthogonal ±1 patterns (rows of
// a Sylvester–Hadamard matrix), W = g Σ_μ ξ^μ ξ^μᵀ / N with tanh. For ±1
// patterns tanh(m ξ) = tanh(m) ξ, so v = m ξ^μ is an exact fixed point
// when m = g tanh(m), with eigenvalue 1 − α + α g (1 − tanh² m) along
// the three patterns and 1 − α elsewhere; the origin has 1 − α + α g > 1
// along the patterns (3 unstable directions).
func hopfield(g float64) (*rnn.Dynamics, [][]float64) {
	const n = 16
	had := func(i, j int) float64 { // Sylvester: (−1)^popcount(i & j)
		c := 0
		for x := i & j; x != 0; x &= x - 1 {
			c++
		}
		return float64(1 - 2*(c%2))
	}
	var pats [][]float64
	for _, row := range []int{3, 5, 14} {
		p := make([]float64, n)
		for j := range n {
			p[j] = had(row, j)
		}
		pats = append(pats, p)
	}
	w := make([]float64, n*n)
	for _, p := range pats {
		for i := range n {
			for j := range n {
				w[i*n+j] += g * p[i] * p[j] / n
			}
		}
	}
	alpha := make([]float64, n)
	for i := range alpha {
		alpha[i] = 0.2
	}
	return dyn(rnn.Tanh, alpha, w, make([]float64, n)), pats
}

func TestFixedPointsHopfield(t *testing.T) {
	const g, n = 4.0, 16
	d, pats := hopfield(g)
	m := bistableRoot(g)
	rng := rand.New(rand.NewPCG(7, 8))
	// Initial states: noisy patterns (as a trajectory settling would give)
	// and broad random states.
	var initial [][]float64
	for _, p := range pats {
		for _, s := range []float64{m, -m} {
			c := make([]float64, n)
			for i := range c {
				c[i] = s * p[i]
			}
			initial = append(initial, gaussStates(rng, 8, n, c, 0.5)...)
		}
	}
	initial = append(initial, gaussStates(rng, 40, n, nil, 0.3)...)
	res, err := FixedPoints(d, nil, initial, FixedPointOptions{})
	if err != nil {
		t.Fatal(err)
	}
	th := math.Tanh(m)
	lamPat := 1 - 0.2 + 0.2*g*(1-th*th)
	for mu, p := range pats {
		for _, sign := range []float64{1, -1} {
			hit := 0
			for _, fp := range res.Points {
				ov := 0.0
				for i := range n {
					ov += sign * p[i] * fp.R[i] / (n * th)
				}
				if ov < 0.99 {
					continue
				}
				hit++
				if fp.Stability != "stable" {
					t.Errorf("pattern %d (%+v): %q, want stable", mu, sign, fp.Stability)
				}
				for i := range n {
					if math.Abs(fp.V[i]-sign*m*p[i]) > 1e-9 {
						t.Fatalf("pattern %d (%+v): v[%d] = %v, want %v", mu, sign, i, fp.V[i], sign*m*p[i])
					}
				}
				for k, lam := range fp.Eigenvalues {
					want := 0.8
					if k < 3 {
						want = lamPat
					}
					if cmplx.Abs(lam-complex(want, 0)) > 1e-9 {
						t.Errorf("pattern %d: eigenvalue %d = %v, want %v", mu, k, lam, want)
					}
				}
			}
			if hit != 1 {
				t.Errorf("pattern %d (%+v) found %d times as a point with overlap > 0.99, want once", mu, sign, hit)
			}
		}
	}
	origin := 0
	for _, fp := range res.Points {
		if norm2(fp.V) < 1e-18 {
			origin++
			if fp.Stability != "saddle" || fp.Unstable != 3 {
				t.Errorf("origin: %q with %d unstable, want a saddle with 3", fp.Stability, fp.Unstable)
			}
		}
	}
	if origin != 1 {
		t.Errorf("origin found %d times, want once (random states near 0 reach it)", origin)
	}
}

// The same result, bit for bit, for any number of goroutines.
func TestFixedPointsDeterministic(t *testing.T) {
	d, _ := hopfield(4)
	rng := rand.New(rand.NewPCG(9, 9))
	initial := gaussStates(rng, 64, 16, nil, 1.5)
	run := func(procs, workers int) *FixedPointResult {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		res, err := FixedPoints(d, nil, initial, FixedPointOptions{Workers: workers, SlowQ: 1e-3})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	ref := run(1, 0)
	if len(ref.Points) < 3 {
		t.Fatalf("only %d points: the test needs several", len(ref.Points))
	}
	for _, c := range []struct{ procs, workers int }{{2, 0}, {1, 5}, {4, 3}} {
		if got := run(c.procs, c.workers); !reflect.DeepEqual(got, ref) {
			t.Errorf("GOMAXPROCS %d, Workers %d: result differs from GOMAXPROCS 1", c.procs, c.workers)
		}
	}
	for k := 1; k < len(ref.Points); k++ {
		a, b := ref.Points[k-1], ref.Points[k]
		if a.Slow == b.Slow && a.From >= b.From || a.Slow && !b.Slow {
			t.Errorf("points %d and %d out of order (slow %v from %d, slow %v from %d)", k-1, k, a.Slow, a.From, b.Slow, b.From)
		}
	}
}

// Noisy copies of the stable points merge into one point each; a large
// TolUnique merges everything.
func TestFixedPointsUnique(t *testing.T) {
	d := bistable()
	roots := []float64{bistableRoot(bistableW[0]), bistableRoot(bistableW[1])}
	rng := rand.New(rand.NewPCG(5, 6))
	var initial [][]float64
	for _, s := range [][2]float64{{1, 1}, {1, -1}, {-1, 1}, {-1, -1}} {
		initial = append(initial, gaussStates(rng, 10, 2, []float64{s[0] * roots[0], s[1] * roots[1]}, 0.05)...)
	}
	for _, tc := range []struct {
		tolUnique float64
		points    int
	}{{0, 4}, {1e-8, 4}, {100, 1}} {
		res, err := FixedPoints(d, nil, initial, FixedPointOptions{TolUnique: tc.tolUnique})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Points) != tc.points || res.Duplicates != 40-tc.points {
			t.Errorf("TolUnique %v: %d points, %d duplicates, want %d and %d", tc.tolUnique, len(res.Points), res.Duplicates, tc.points, 40-tc.points)
			continue
		}
		for k, p := range res.Points {
			if want := 40 / tc.points; p.Count != want || p.From != k*want || p.Stability != "stable" {
				t.Errorf("TolUnique %v: point %d: count %d from %d (%s), want %d from %d, stable", tc.tolUnique, k, p.Count, p.From, p.Stability, want, k*want)
			}
		}
	}
}

// Initial states tightly clustered far from the only fixed point: it is
// an outlier unless the exclusion is off or wide enough.
func TestFixedPointsOutliers(t *testing.T) {
	d := dyn(rnn.ReLU, []float64{0.5, 0.5}, []float64{0.1, 0, 0, 0.1}, []float64{1, 1}) // v* = (1/0.9, 1/0.9)
	rng := rand.New(rand.NewPCG(1, 1))
	initial := gaussStates(rng, 20, 2, nil, 0.01) // median distance ≈ 0.012, v* at 1.57
	for _, tc := range []struct {
		scale            float64
		points, outliers int
	}{{0, 0, 20}, {10, 0, 20}, {-1, 1, 0}, {1000, 1, 0}} {
		res, err := FixedPoints(d, nil, initial, FixedPointOptions{OutlierDistance: tc.scale})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Points) != tc.points || res.Outliers != tc.outliers || res.Converged != 20-tc.outliers {
			t.Errorf("OutlierDistance %v: %d points, %d outliers, %d converged; want %d, %d", tc.scale, len(res.Points), res.Outliers, res.Converged, tc.points, tc.outliers)
		}
		if tc.points == 1 && math.Abs(res.Points[0].V[0]-1/0.9) > 1e-12 {
			t.Errorf("OutlierDistance %v: v = %v, want 1/0.9", tc.scale, res.Points[0].V)
		}
	}
}

// A ghost: one tanh unit v ↦ 2 tanh(v) + 0.6 has lost its two negative
// fixed points in a saddle-node bifurcation; q keeps a local minimum
// where they met, at v = −atanh(√(1 − 1/2)) (where 2 (1 − tanh² v) = 1),
// with q = ½ (α (2 tanh v + 0.6 − v))² and J = 1 (g′ = 0 there). With
// SlowQ it is kept as a slow point, located to rounding by the Newton
// refinement; without, its initial states count as not converged. The one
// fixed point, v = 2 tanh(v) + 0.6 ≈ 2.5, is found either way.
func TestFixedPointsSlow(t *testing.T) {
	const alpha = 0.5
	d := dyn(rnn.Tanh, []float64{alpha}, []float64{2}, []float64{0.6})
	ghost := -math.Atanh(math.Sqrt(0.5))
	g := alpha * (2*math.Tanh(ghost) + 0.6 - ghost)
	qGhost := g * g / 2
	var initial [][]float64
	for k := range 11 {
		initial = append(initial, []float64{-1.5 + 0.1*float64(k)}) // around the ghost
	}
	initial = append(initial, []float64{2}, []float64{3})
	fixed := 2.5
	for range 100 {
		fixed = 2*math.Tanh(fixed) + 0.6
	}
	for _, tc := range []struct {
		slowQ       float64
		points      int
		slow, notOK int
	}{{0, 1, 0, 11}, {qGhost / 2, 1, 0, 11}, {1e-3, 2, 11, 0}} {
		res, err := FixedPoints(d, nil, initial, FixedPointOptions{SlowQ: tc.slowQ, OutlierDistance: -1})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Points) != tc.points || res.Slow != tc.slow || res.NotConverged != tc.notOK || res.Converged != 2 {
			t.Fatalf("SlowQ %v: %d points, %d slow, %d not converged, %d converged; want %d, %d, %d, 2",
				tc.slowQ, len(res.Points), res.Slow, res.NotConverged, res.Converged, tc.points, tc.slow, tc.notOK)
		}
		if p := res.Points[0]; p.Slow || math.Abs(p.V[0]-fixed) > 1e-12 || p.From != 11 || p.Stability != "stable" {
			t.Errorf("SlowQ %v: first point %v (slow %v, from %d, %s), want the fixed point %v from 11, stable", tc.slowQ, p.V, p.Slow, p.From, p.Stability, fixed)
		}
		if tc.points == 2 {
			p := res.Points[1]
			if !p.Slow || math.Abs(p.V[0]-ghost) > 1e-10 || math.Abs(p.Q-qGhost) > 1e-12*qGhost || p.Count != 11 {
				t.Errorf("slow point %v, q %v (slow %v, count %d), want %v, q %v, count 11", p.V, p.Q, p.Slow, p.Count, ghost, qGhost)
			}
			// There g′ = 0: J = 1, the ghost of the saddle-node.
			if math.Abs(real(p.Eigenvalues[0])-1) > 1e-9 || p.Stability != "marginal" || p.Marginal != 1 {
				t.Errorf("slow point: eigenvalue %v (%s), want 1 (marginal)", p.Eigenvalues[0], p.Stability)
			}
		}
	}
}

func TestFixedPointsErrors(t *testing.T) {
	good := func() *rnn.Dynamics { return bistable() }
	ok := [][]float64{{0.1, 0.2}}
	withIn := func() *rnn.Dynamics {
		d := good()
		d.In, d.WIn = 1, []float64{1, 1}
		return d
	}
	tests := []struct {
		name    string
		d       *rnn.Dynamics
		input   []float64
		initial [][]float64
		opt     FixedPointOptions
		want    string
	}{
		{"nil dynamics", nil, nil, ok, FixedPointOptions{}, "dynamics is nil"},
		{"no neurons", &rnn.Dynamics{Activation: rnn.Tanh}, nil, ok, FixedPointOptions{}, "need N ≥ 1"},
		{"activation", func() *rnn.Dynamics { d := good(); d.Activation = "step"; return d }(), nil, ok, FixedPointOptions{}, `activation = "step"`},
		{"short wrec", func() *rnn.Dynamics { d := good(); d.WRec = d.WRec[:3]; return d }(), nil, ok, FixedPointOptions{}, "WRec has 3 values"},
		{"nan alpha", func() *rnn.Dynamics { d := good(); d.Alpha[1] = math.NaN(); return d }(), nil, ok, FixedPointOptions{}, "NaN or infinite"},
		{"input width", withIn(), []float64{1, 2}, ok, FixedPointOptions{}, "input has 2 values: the network has 1 inputs"},
		{"input nan", withIn(), []float64{math.NaN()}, ok, FixedPointOptions{}, "input[0] = NaN"},
		{"no initial", good(), nil, nil, FixedPointOptions{}, "no initial states"},
		{"initial length", good(), nil, [][]float64{{1, 2}, {1, 2, 3}}, FixedPointOptions{}, "initial[1] has 3 values: the network has 2 neurons"},
		{"initial nan", good(), nil, [][]float64{{1, 2}, {3, math.NaN()}}, FixedPointOptions{}, "initial[1][1] = NaN"},
		{"initial inf", good(), nil, [][]float64{{math.Inf(1), 2}}, FixedPointOptions{}, "initial[0][0] = +Inf"},
		{"tolq", good(), nil, ok, FixedPointOptions{TolQ: -1}, "TolQ = -1 is not allowed"},
		{"tolunique", good(), nil, ok, FixedPointOptions{TolUnique: math.Inf(1)}, "TolUnique = +Inf"},
		{"tolqd", good(), nil, ok, FixedPointOptions{TolDQ: math.NaN()}, "TolDQ = NaN"},
		{"maxiters", good(), nil, ok, FixedPointOptions{MaxIters: -3}, "MaxIters = -3"},
		{"outlier", good(), nil, ok, FixedPointOptions{OutlierDistance: math.NaN()}, "OutlierDistance = NaN"},
		{"workers", good(), nil, ok, FixedPointOptions{Workers: -1}, "Workers = -1"},
		{"slowq below tolq", good(), nil, ok, FixedPointOptions{SlowQ: 1e-14}, "SlowQ = 1e-14 is not allowed: must be 0 (no slow points) or ≥ TolQ = 1e-12"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := FixedPoints(tc.d, tc.input, tc.initial, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if res != nil {
				t.Errorf("result %v with an error", res)
			}
		})
	}
}

// Options: a non-zero input shifts the fixed point, Modes < 0 leaves out
// the eigenvectors, Modes above N is capped.
func TestFixedPointsOptions(t *testing.T) {
	d := dyn(rnn.ReLU, []float64{0.5, 0.5}, []float64{0.1, 0, 0, 0.1}, []float64{1, 1})
	d.In, d.WIn = 1, []float64{0.9, -0.45}
	initial := [][]float64{{0.5, 0.5}, {1, 1}}
	for _, tc := range []struct {
		modes, want int
	}{{0, 2}, {-1, 0}, {1, 1}, {7, 2}} {
		res, err := FixedPoints(d, []float64{1}, initial, FixedPointOptions{Modes: tc.modes})
		if err != nil {
			t.Fatal(err)
		}
		p := res.Points[0]
		// v = (1 + 0.9·1) / 0.9, (1 − 0.45) / 0.9.
		if math.Abs(p.V[0]-1.9/0.9) > 1e-12 || math.Abs(p.V[1]-0.55/0.9) > 1e-12 {
			t.Errorf("v = %v, want [%v %v]", p.V, 1.9/0.9, 0.55/0.9)
		}
		if len(p.Right) != tc.want || len(p.Left) != tc.want || len(p.Eigenvalues) != 2 {
			t.Errorf("Modes %d: %d right, %d left vectors, %d eigenvalues; want %d, %d, 2", tc.modes, len(p.Right), len(p.Left), len(p.Eigenvalues), tc.want, tc.want)
		}
	}
}

func TestSampleStates(t *testing.T) {
	const trials, steps, n = 2, 3, 4
	pot := make([]float32, trials*steps*n)
	for k := range trials * steps {
		for i := range n {
			pot[k*n+i] = float32(10*k + i)
		}
	}
	a, err := SampleStates(pot, trials, steps, n, 6000, 0, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SampleStates(pot, trials, steps, n, 6000, 0, rand.New(rand.NewPCG(1, 2)))
	if !reflect.DeepEqual(a, b) {
		t.Error("the same seed drew different states")
	}
	hits := make([]int, trials*steps)
	for _, s := range a {
		k := int(s[0]) / 10
		for i := range n {
			if s[i] != float64(10*k+i) {
				t.Fatalf("state %v is not a row of the array", s)
			}
		}
		hits[k]++
	}
	for k, h := range hits { // 1000 expected, sd ≈ 29
		if h < 850 || h > 1150 {
			t.Errorf("row %d drawn %d times of 6000, want ≈ 1000", k, h)
		}
	}
	// Noise: constant array, the deviations have sd ≈ noise.
	flat := make([]float32, 10*5*3)
	noisy, err := SampleStates(flat, 10, 5, 3, 2000, 0.25, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	ss := 0.0
	for _, s := range noisy {
		ss += norm2(s)
	}
	if sd := math.Sqrt(ss / 6000); math.Abs(sd-0.25) > 0.01 {
		t.Errorf("noise sd %v, want 0.25", sd)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	bad := slices.Clone(pot)
	bad[5] = float32(math.NaN())
	for _, tc := range []struct {
		name string
		pot  []float32
		t, s int
		c    int
		sd   float64
		rng  *rand.Rand
		want string
	}{
		{"shape", pot, 0, steps, 1, 0, rng, "shape 0×3×4"},
		{"length", pot[:5], trials, steps, 1, 0, rng, "potentials have 5 values"},
		{"count", pot, trials, steps, 0, 0, rng, "count = 0"},
		{"noise", pot, trials, steps, 1, -1, rng, "noise = -1"},
		{"noise nan", pot, trials, steps, 1, math.NaN(), rng, "noise = NaN"},
		{"rng", pot, trials, steps, 1, 0, nil, "rng is nil"},
		{"nan", bad[:8], 1, 2, 50, 0, rng, "potentials[5] (trial 0, step 1, neuron 1) = NaN"},
	} {
		if _, err := SampleStates(tc.pot, tc.t, tc.s, n, tc.c, tc.sd, tc.rng); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// modeResidual is the largest of |J r − λ r|, |l J − λ l| and
// |l_a·r_b − δ_ab| over the modes given (left and right vectors of
// different eigenvalues are orthogonal; within a repeated one, dual).
func modeResidual(J []float64, n int, vals []complex128, right, left [][]complex128) float64 {
	worst := 0.0
	for k := range right {
		for i := range n {
			var jr, lj complex128
			for j := range n {
				jr += complex(J[i*n+j], 0) * right[k][j]
				lj += left[k][j] * complex(J[j*n+i], 0)
			}
			worst = math.Max(worst, math.Max(cmplx.Abs(jr-vals[k]*right[k][i]), cmplx.Abs(lj-vals[k]*left[k][i])))
		}
		for b := range right {
			var dot complex128
			for i := range n {
				dot += left[k][i] * right[b][i]
			}
			want := 0.0 // left and right vectors of different modes are orthogonal
			if b == k {
				want = 1
			}
			worst = math.Max(worst, cmplx.Abs(dot-complex(want, 0)))
		}
	}
	return worst
}

// The inverse-iteration fallback finds the same eigenpairs LAPACK does on
// random matrices (with complex pairs), and a dual basis for a repeated
// eigenvalue: the Hopfield network's origin has 1 − α + α g = 1.6 three
// times.
func TestInverseIteration(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 5 {
		const n = 9
		J := make([]float64, n*n)
		for i := range J {
			J[i] = rng.NormFloat64() / 3
		}
		vals, right, left, err := eigenModes(J, n, n)
		if err != nil {
			t.Fatal(err)
		}
		ir, il := inverseIteration(J, n, vals)
		if r := modeResidual(J, n, vals, ir, il); r > 1e-9 {
			t.Errorf("random %d: inverse iteration residual %g", trial, r)
		}
		if r := modeResidual(J, n, vals, right, left); r > 1e-9 {
			t.Errorf("random %d: LAPACK residual %g", trial, r)
		}
		for k := range n { // unit norm, same direction as LAPACK's up to phase
			var dot complex128
			for i := range n {
				dot += cmplx.Conj(right[k][i]) * ir[k][i]
			}
			if math.Abs(cmplx.Abs(dot)-1) > 1e-8 {
				t.Errorf("random %d mode %d: |⟨r_lapack, r_inverse⟩| = %v, want 1", trial, k, cmplx.Abs(dot))
			}
		}
	}
	d, _ := hopfield(4)
	J := make([]float64, d.N*d.N)
	d.Jacobian(make([]float64, d.N), J)
	vals, err := Eigenvalues(J, d.N)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		if cmplx.Abs(vals[k]-1.6) > 1e-12 {
			t.Fatalf("test setup: eigenvalue %d = %v, want 1.6", k, vals[k])
		}
	}
	ir, il := inverseIteration(J, d.N, vals[:4])
	if r := modeResidual(J, d.N, vals[:4], ir, il); r > 1e-9 {
		t.Errorf("repeated eigenvalue: residual %g", r)
	}
}

// gonum v0.17's eigenvector code panics on the Jacobian at this Hopfield
// mixture state (its eigenvalue 0.8 has multiplicity 13, which the Schur
// form splits into 2×2 blocks); eigenModes falls back to inverse
// iteration there. The state is given to the last bit so that the
// matrix, and so gonum's path through it, is exactly the one that fails.
func TestEigenModesFallback(t *testing.T) {
	d, _ := hopfield(4)
	v := []float64{-1.9611629600658427, -1.961162960065845, 5.883488880197532, -1.961162960065845,
		-1.961162960065845, 5.8834888801975325, -1.9611629600658445, -1.9611629600658427,
		1.9611629600658442, 1.9611629600658436, 1.9611629600658453, -5.883488880197531,
		-5.883488880197532, 1.9611629600658445, 1.961162960065844, 1.9611629600658445}
	if q := d.Speed(v, d.BRec); q > 1e-28 {
		t.Fatalf("test setup: q = %g at the mixture state", q)
	}
	J := make([]float64, d.N*d.N)
	d.Jacobian(v, J)
	var eig mat.Eigen
	if factorize(&eig, J, d.N, mat.EigenBoth) {
		t.Log("mat.Eigen no longer fails on this matrix: the fallback is not exercised here")
	}
	for _, modes := range []int{5, 16} {
		vals, right, left, err := eigenModes(J, d.N, modes)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Eigenvalues(J, d.N)
		if !slices.Equal(vals, want) {
			t.Errorf("eigenvalues %v, want %v", vals, want)
		}
		if r := modeResidual(J, d.N, vals[:modes], right, left); r > 1e-9 {
			t.Errorf("Modes %d: residual %g", modes, r)
		}
	}
	// LAPACK's own vectors for a repeated eigenvalue are made dual too:
	// the Hopfield origin, 1.6 three times and 0.8 thirteen times.
	d.Jacobian(make([]float64, d.N), J)
	for _, modes := range []int{3, 5, 16} {
		vals, right, left, err := eigenModes(J, d.N, modes)
		if err != nil {
			t.Fatal(err)
		}
		if r := modeResidual(J, d.N, vals[:modes], right, left); r > 1e-9 {
			t.Errorf("origin, Modes %d: residual %g", modes, r)
		}
	}
}

// kinkNet is a random 12-unit relu network (weights 1.4 N(0, 1)/√12,
// biases 0.5 N(0, 1), α = 0.2) with two fixed points, and 200 initial
// states N(0, 1): plain Levenberg–Marquardt stalls on relu kinks from
// about one in five of them.
func kinkNet() (*rnn.Dynamics, [][]float64) {
	const n = 12
	rng := rand.New(rand.NewPCG(3, 7))
	alpha := make([]float64, n)
	w := make([]float64, n*n)
	b := make([]float64, n)
	for i := range n {
		alpha[i] = 0.2
		b[i] = 0.5 * rng.NormFloat64()
	}
	for i := range w {
		w[i] = 1.4 * rng.NormFloat64() / math.Sqrt(n)
	}
	d := &rnn.Dynamics{N: n, Out: 1, Activation: rnn.ReLU, Alpha: alpha, WRec: w, WOut: make([]float64, n),
		BRec: b, BOut: []float64{0}, V0: make([]float64, n)}
	return d, gaussStates(rng, 200, n, nil, 1)
}

// The kink handling of relu runs: where Levenberg–Marquardt alone stalls
// (always with a unit at v ≈ 0), pinning that unit and releasing it on
// the side where q falls reaches a fixed point; and the one-sided
// derivatives it uses match finite differences.
func TestFixedPointsKinks(t *testing.T) {
	d, initial := kinkNet()
	o, err := FixedPointOptions{}.resolve(d.N)
	if err != nil {
		t.Fatal(err)
	}
	s := newSolver(d, d.BRec, o)
	stalls, rescued := 0, 0
	for k, x := range initial {
		v := slices.Clone(x)
		q, _ := s.lm(v, s.residual(v, s.g), 0, nil)
		if q <= o.TolQ {
			continue
		}
		stalls++
		size, near := 0.0, math.Inf(1)
		for _, y := range v {
			size = math.Max(size, math.Abs(y))
			near = math.Min(near, math.Abs(y))
		}
		if near > 1e-8*(1+size) {
			t.Errorf("initial[%d]: plain LM stalled at q = %g with no unit on a kink (closest |v_i| = %g)", k, q, near)
		}
		if e := s.solve(x); e.q <= o.TolQ {
			rescued++
		}
	}
	if stalls < 20 || rescued < stalls-2 {
		t.Errorf("plain LM stalled from %d states, the kink handling rescued %d; want ≥ 20 stalls, all but ≤ 2 rescued", stalls, rescued)
	}
	res, err := FixedPoints(d, nil, initial, FixedPointOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 2 || res.Converged < 198 {
		t.Errorf("%d points, %d of 200 converged; want 2 points, ≥ 198", len(res.Points), res.Converged)
	}
	// One-sided derivatives at a unit pinned at 0 (q is quadratic on each
	// side, so forward differences are exact up to O(h)).
	v := slices.Clone(initial[0])
	for _, i := range []int{0, 3, 7} {
		v[i] = 0
		q := s.residual(v, s.g)
		up, down := s.sides(i)
		const h = 1e-6
		g := make([]float64, d.N)
		for _, c := range []struct {
			name string
			sign float64
			want float64
		}{{"up", 1, up}, {"down", -1, down}} {
			w := slices.Clone(v)
			w[i] = c.sign * h
			fd := (s.residual(w, g) - q) / h
			if math.Abs(fd-c.want) > 1e-5*(1+math.Abs(c.want)) {
				t.Errorf("unit %d %s: derivative %v, finite difference %v", i, c.name, c.want, fd)
			}
		}
		s.residual(v, s.g)
	}
}
