package analysis

import (
	"cmp"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	lapackgonum "gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"

	dblas "github.com/dale-rnn/dale/internal/blas"
	"github.com/dale-rnn/dale/rnn"
)

// FixedPointOptions tunes FixedPoints. The zero value is usable: every
// field left at zero takes the default its comment gives.
type FixedPointOptions struct {
	// TolQ: an optimisation that reaches q ≤ TolQ has found a fixed
	// point (default 1e-12, FixedPointFinder's tol_q). Fixed points are
	// then polished to rounding level (q of order 1e-28 for relu).
	TolQ float64
	// TolDQ: the optimisation of one initial state stops (stalls at a
	// local minimum of q) when an accepted step lowers q by less than
	// TolDQ × q (relative; default 1e-10).
	TolDQ float64
	// TolUnique: end points closer than TolUnique (Euclidean distance in
	// v) are one point (default 1e-3, FixedPointFinder's tol_unique).
	TolUnique float64
	// MaxIters is the largest number of Levenberg–Marquardt iterations
	// (Jacobian evaluations) per initial state (default 200; the method
	// is second order, so it needs far fewer than the 5000 Adam steps of
	// FixedPointFinder).
	MaxIters int
	// OutlierDistance: end points farther from the centroid of the
	// initial states than OutlierDistance × the median distance of the
	// initial states from that centroid are excluded as outliers
	// (default 10, FixedPointFinder's outlier_distance_scale; < 0 turns
	// the exclusion off; when every initial state is the same, nothing is
	// excluded).
	OutlierDistance float64
	// SlowQ keeps slow points too: end points with TolQ < q ≤ SlowQ
	// (where the optimisation stalled at a local minimum of q or ran out
	// of iterations), marked Slow. 0 (the default) keeps none; otherwise
	// it must be ≥ TolQ.
	SlowQ float64
	// Modes is how many of the top eigenmodes (by |λ|) of each point's
	// Jacobian get right and left eigenvectors (default 3, at most N;
	// < 0 computes none, only the eigenvalues).
	Modes int
	// Workers is the number of goroutines over initial states and over
	// points (default runtime.GOMAXPROCS(0)). The result does not depend
	// on it.
	Workers int
}

// FixedPoint is one fixed (or slow) point of the map v ↦ F(v).
type FixedPoint struct {
	// V and R are the potentials and rates f(V) at the point.
	V, R []float64
	// Q is ½‖F(V) − V‖².
	Q float64
	// Slow is true for a slow point (TolQ < Q ≤ SlowQ): a local minimum
	// of q, or where the optimisation ran out of iterations, not a zero.
	Slow bool
	// Readout is y = R W_out + b_out.
	Readout []float64
	// Eigenvalues are those of the Jacobian J at V, all N, sorted by
	// decreasing modulus, then decreasing real part, then decreasing
	// imaginary part (as Eigenvalues sorts them).
	Eigenvalues []complex128
	// Right[k] and Left[k] belong to Eigenvalues[k], for the first Modes
	// of them: J r = λ r with ‖r‖ = 1 (largest component real, as LAPACK
	// returns it), and the row vector l with l J = λ l scaled so that
	// l·r = Σ_i l_i r_i = 1. For a repeated eigenvalue (equal within 1e-8
	// relative) the right vectors are a basis of (part of) its eigenspace
	// and the left ones the dual basis: l_a·r_b = δ_ab. Where no dual
	// exists (a defective eigenvalue) a left vector may have l·r ≠ 1. A
	// conjugate pair may be split by the Modes cut.
	Right, Left [][]complex128
	// Unstable counts eigenvalues with |λ| > 1 + 1e-9 and Marginal those
	// with ||λ| − 1| ≤ 1e-9 (the map is discrete: |λ| > 1 grows).
	Unstable, Marginal int
	// Stability is "stable" (every |λ| < 1 − 1e-9), "unstable" (every
	// |λ| > 1 + 1e-9), "saddle" (some unstable, some not) or "marginal"
	// (none unstable, some marginal).
	Stability string
	// Iterations is how many iterations the point took from initial state
	// From: the index, in the initial states, of the first one whose end
	// point this is.
	Iterations, From int
	// Count is how many initial states ended at this point (within
	// TolUnique of it).
	Count int
}

// FixedPointResult is what FixedPoints found. Every initial state ends
// as exactly one of Converged, Slow, Outliers and NotConverged, so Tried
// is their sum; Duplicates = Converged + Slow − len(Points).
type FixedPointResult struct {
	// Points are the unique points: fixed points first, then slow points,
	// each in the order of From.
	Points []FixedPoint
	// Tried is the number of initial states.
	Tried int
	// Converged counts initial states that reached q ≤ TolQ and Slow
	// those kept as slow points (TolQ < q ≤ SlowQ).
	Converged, Slow int
	// Duplicates counts kept end points merged into an earlier one.
	Duplicates int
	// Outliers counts end points excluded as too far (OutlierDistance).
	Outliers int
	// NotConverged counts end points with q above TolQ (and above SlowQ).
	NotConverged int
	// Iterations is the total over all initial states (Jacobian
	// evaluations: Levenberg–Marquardt, polishing and refinement steps).
	Iterations int
}

// Defaults of FixedPointOptions.
const (
	defaultTolQ            = 1e-12
	defaultTolDQ           = 1e-10
	defaultTolUnique       = 1e-3
	defaultMaxIters        = 200
	defaultOutlierDistance = 10
	defaultModes           = 3
	// marginalTol is how close to 1 an |λ| counts as marginal.
	marginalTol = 1e-9
	// polishSteps bounds the undamped Newton steps after convergence.
	polishSteps = 8
	// refineIters bounds the Newton steps that converge to a slow point.
	refineIters = 50
	// kinkCycles bounds the pinnings and releases of a relu run's kinks.
	kinkCycles = 64
)

// FixedPoints finds the fixed points of the noise-free map v ↦ F(v) of d
// for the constant input (length d.In; nil is all zeros), and optionally
// its slow points (FixedPointOptions.SlowQ), starting from each of the
// initial states (each of length d.N; typically states sampled on the
// network's trajectories, see SampleStates).
//
// It minimises q(v) = ½‖F(v) − v‖² (Sussillo & Barak 2013, the quantity
// of Golub & Sussillo's FixedPointFinder) by Levenberg–Marquardt on the
// residual g(v) = F(v) − v, whose Jacobian is J − I with the exact
// Jacobian J of d: each step solves ((J − I)ᵀ(J − I) + μ I) δ =
// −(J − I)ᵀ g, μ shrinking after accepted steps and growing after
// rejected ones. A run stops when q ≤ TolQ, when an accepted step lowers
// q by less than TolDQ × q, or after MaxIters iterations. A run that
// reached TolQ is polished with undamped Newton steps (J − I) δ = −g
// while q decreases. For relu, F is affine within one activation pattern
// (the set of units with v > 0), so one such step lands on the exact
// fixed point of that pattern. A relu run can also stall on a kink, the
// hyperplane v_i = 0 of a unit, where q is not smooth: such a unit is
// pinned at 0 while q is minimised along the kink, then released onto
// the side where q falls, until q ≤ TolQ or no kink offers a descent
// (then the end point is a local minimum of q: a slow point, kept with
// SlowQ). With SlowQ, a smooth network's run that
// stalled with q ≤ SlowQ is refined to the local minimum of q by damped
// Newton steps on q with its exact Hessian (see refine), which locates
// slow points to rounding where Gauss–Newton converges only linearly.
//
// End points with q ≤ TolQ (and, with SlowQ, slow ones) that are not
// outliers are merged when closer than TolUnique (fixed points first,
// then slow points, each in initial-state order, each joining the first
// kept point within TolUnique of it), and each unique point gets its
// rates, readout, the eigenvalues of J, the eigenvectors of its top
// modes and its stability. The work is spread over Workers goroutines;
// the result is the same, bit for bit, for any number of them.
//
// It returns an error for a nil or malformed d (lengths of its slices, an
// unknown activation, a NaN or infinite value), an input of the wrong
// length or not finite, no initial states, an initial state of the wrong
// length or not finite, or an option out of range.
func FixedPoints(d *rnn.Dynamics, input []float64, initial [][]float64, opt FixedPointOptions) (*FixedPointResult, error) {
	if err := checkDynamics(d); err != nil {
		return nil, err
	}
	if input == nil {
		input = make([]float64, d.In)
	}
	if len(input) != d.In {
		return nil, fmt.Errorf("analysis: fixed points: input has %d values: the network has %d inputs (nil means all zero)", len(input), d.In)
	}
	for i, x := range input {
		if !finite(x) {
			return nil, fmt.Errorf("analysis: fixed points: input[%d] = %v is not allowed: must be finite", i, x)
		}
	}
	if len(initial) == 0 {
		return nil, fmt.Errorf("analysis: fixed points: no initial states: need at least one (see SampleStates)")
	}
	for k, s := range initial {
		if len(s) != d.N {
			return nil, fmt.Errorf("analysis: fixed points: initial[%d] has %d values: the network has %d neurons", k, len(s), d.N)
		}
		for i, x := range s {
			if !finite(x) {
				return nil, fmt.Errorf("analysis: fixed points: initial[%d][%d] = %v is not allowed: must be finite", k, i, x)
			}
		}
	}
	o, err := opt.resolve(d.N)
	if err != nil {
		return nil, err
	}
	drive, err := d.Drive(input)
	if err != nil {
		return nil, fmt.Errorf("analysis: fixed points: %w", err)
	}

	// Optimise every initial state; results land at the state's index.
	ends := make([]endPoint, len(initial))
	parallel(len(initial), o.Workers, func() func(int) {
		w := newSolver(d, drive, o)
		return func(k int) { ends[k] = w.solve(initial[k]) }
	})

	res := &FixedPointResult{Tried: len(initial)}
	limit := outlierLimit(initial, o.OutlierDistance)
	centroid := mean(initial)
	var fixed, slow []int // indices of kept end points
	for k, e := range ends {
		res.Iterations += e.iters
		switch {
		case e.q <= o.TolQ:
		case o.SlowQ > 0 && e.q <= o.SlowQ:
		default:
			res.NotConverged++
			continue
		}
		if limit > 0 && dist(e.v, centroid) > limit {
			res.Outliers++
			continue
		}
		if e.q <= o.TolQ {
			res.Converged++
			fixed = append(fixed, k)
		} else {
			res.Slow++
			slow = append(slow, k)
		}
	}
	// Merge: each kept end point joins the first unique point within
	// TolUnique, in the order fixed points, then slow points.
	var reps []int   // index of each unique point's initial state
	var counts []int // members of each
	for _, k := range append(fixed, slow...) {
		joined := false
		for u, r := range reps {
			if dist(ends[k].v, ends[r].v) < o.TolUnique {
				counts[u]++
				joined = true
				break
			}
		}
		if !joined {
			reps = append(reps, k)
			counts = append(counts, 1)
		}
	}
	res.Duplicates = res.Converged + res.Slow - len(reps)

	res.Points = make([]FixedPoint, len(reps))
	errs := make([]error, len(reps))
	parallel(len(reps), o.Workers, func() func(int) {
		return func(u int) {
			e := ends[reps[u]]
			p := FixedPoint{V: e.v, Q: e.q, Slow: e.q > o.TolQ, Iterations: e.iters, From: reps[u], Count: counts[u]}
			errs[u] = describe(d, &p, o.Modes)
			res.Points[u] = p
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// resolve fills in the defaults and checks the options.
func (opt FixedPointOptions) resolve(n int) (FixedPointOptions, error) {
	o := opt
	for _, f := range []struct {
		name string
		v    float64
	}{{"TolQ", o.TolQ}, {"TolDQ", o.TolDQ}, {"TolUnique", o.TolUnique}, {"SlowQ", o.SlowQ}} {
		if !finite(f.v) || f.v < 0 {
			return o, fmt.Errorf("analysis: fixed points: %s = %v is not allowed: must be a finite number ≥ 0 (0 takes the default)", f.name, f.v)
		}
	}
	if !finite(o.OutlierDistance) {
		return o, fmt.Errorf("analysis: fixed points: OutlierDistance = %v is not allowed: must be finite (0 takes the default 10, < 0 turns the exclusion off)", o.OutlierDistance)
	}
	if o.MaxIters < 0 {
		return o, fmt.Errorf("analysis: fixed points: MaxIters = %d is not allowed: must be ≥ 0 (0 takes the default %d)", o.MaxIters, defaultMaxIters)
	}
	if o.Workers < 0 {
		return o, fmt.Errorf("analysis: fixed points: Workers = %d is not allowed: must be ≥ 0 (0 is GOMAXPROCS)", o.Workers)
	}
	if o.TolQ == 0 {
		o.TolQ = defaultTolQ
	}
	if o.TolDQ == 0 {
		o.TolDQ = defaultTolDQ
	}
	if o.TolUnique == 0 {
		o.TolUnique = defaultTolUnique
	}
	if o.MaxIters == 0 {
		o.MaxIters = defaultMaxIters
	}
	if o.OutlierDistance == 0 {
		o.OutlierDistance = defaultOutlierDistance
	}
	if o.SlowQ > 0 && o.SlowQ < o.TolQ {
		return o, fmt.Errorf("analysis: fixed points: SlowQ = %v is not allowed: must be 0 (no slow points) or ≥ TolQ = %v", opt.SlowQ, o.TolQ)
	}
	switch {
	case o.Modes == 0:
		o.Modes = min(defaultModes, n)
	case o.Modes < 0:
		o.Modes = 0
	default:
		o.Modes = min(o.Modes, n)
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return o, nil
}

// checkDynamics checks that d is a well-formed map.
func checkDynamics(d *rnn.Dynamics) error {
	if d == nil {
		return fmt.Errorf("analysis: fixed points: dynamics is nil: need a map (rnn.Model.Dynamics)")
	}
	if d.N < 1 || d.In < 0 || d.Out < 0 {
		return fmt.Errorf("analysis: fixed points: dynamics of %d inputs, %d neurons, %d outputs is not allowed: need N ≥ 1, In ≥ 0, Out ≥ 0", d.In, d.N, d.Out)
	}
	if err := d.Activation.Validate(); err != nil {
		return fmt.Errorf("analysis: fixed points: dynamics: %w", err)
	}
	for _, s := range []struct {
		name string
		got  int
		want int
	}{
		{"Alpha", len(d.Alpha), d.N}, {"WIn", len(d.WIn), d.In * d.N}, {"WRec", len(d.WRec), d.N * d.N},
		{"WOut", len(d.WOut), d.N * d.Out}, {"BRec", len(d.BRec), d.N}, {"BOut", len(d.BOut), d.Out},
	} {
		if s.got != s.want {
			return fmt.Errorf("analysis: fixed points: dynamics %s has %d values: %d inputs, %d neurons and %d outputs need %d", s.name, s.got, d.In, d.N, d.Out, s.want)
		}
	}
	if !d.Finite() {
		return fmt.Errorf("analysis: fixed points: dynamics holds a NaN or infinite value: every weight, bias and alpha must be finite")
	}
	return nil
}

// endPoint is where the optimisation of one initial state ended.
type endPoint struct {
	v     []float64
	q     float64
	iters int
}

// solver holds one goroutine's scratch space for Levenberg–Marquardt.
type solver struct {
	d     *rnn.Dynamics
	drive []float64
	o     FixedPointOptions
	relu  bool
	n     int
	// a is J − I, h = aᵀa, m = h + μI (then its Cholesky factor), lu a
	// copy of a for the Newton step.
	a, h, m, lu        []float64
	g, gNew, grad, del []float64
	vNew, f            []float64
	ipiv               []int
}

func newSolver(d *rnn.Dynamics, drive []float64, o FixedPointOptions) *solver {
	n := d.N
	return &solver{d: d, drive: drive, o: o, relu: d.Activation == rnn.ReLU, n: n,
		a: make([]float64, n*n), h: make([]float64, n*n), m: make([]float64, n*n), lu: make([]float64, n*n),
		g: make([]float64, n), gNew: make([]float64, n), grad: make([]float64, n), del: make([]float64, n),
		vNew: make([]float64, n), f: make([]float64, n), ipiv: make([]int, n)}
}

// residual writes g = F(v) − v and returns q = ½‖g‖².
func (s *solver) residual(v, g []float64) float64 {
	s.d.Step(v, s.drive, s.f)
	q := 0.0
	for i := range g {
		g[i] = s.f[i] - v[i]
		q += g[i] * g[i]
	}
	return q / 2
}

// jacobian writes J − I at v into s.a.
func (s *solver) jacobian(v []float64) {
	s.d.Jacobian(v, s.a)
	for i := range s.n {
		s.a[i*s.n+i]--
	}
}

// gram writes (J − I)ᵀ(J − I) into s.h. It is the bulk of an iteration's
// work: a matrix product, through dale's BLAS (OpenBLAS when it loads),
// whose gemm is much faster than gonum's unblocked syrk. It is
// deterministic: the same bits for any number of goroutines.
func (s *solver) gram() {
	n := s.n
	dblas.Float64().Dgemm(blas.Trans, blas.NoTrans, n, n, n, 1, s.a, n, s.a, n, 0, s.h, n)
}

// cholesky factorises s.m (n×n, symmetric positive definite; only its
// upper triangle is read) in place as Uᵀ U, blocked, with the trailing
// updates through dale's BLAS gemm (gonum's Dpotrf spends its time in an
// unblocked syrk). ok is false when s.m is not positive definite.
func (s *solver) cholesky() (blas64.Triangular, bool) {
	const nb = 32
	n, a := s.n, s.m
	bl := dblas.Float64()
	var native lapackgonum.Implementation
	for k0 := 0; k0 < n; k0 += nb {
		kb := min(nb, n-k0)
		if !native.Dpotf2(blas.Upper, kb, a[k0*n+k0:], n) {
			return blas64.Triangular{}, false
		}
		if rest := n - k0 - kb; rest > 0 {
			k1 := k0 + kb
			bl.Dtrsm(blas.Left, blas.Upper, blas.Trans, blas.NonUnit, kb, rest, 1, a[k0*n+k0:], n, a[k0*n+k1:], n)
			bl.Dgemm(blas.Trans, blas.NoTrans, rest, rest, kb, -1, a[k0*n+k1:], n, a[k0*n+k1:], n, 1, a[k1*n+k1:], n)
		}
	}
	return blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: n, Stride: n, Data: a}, true
}

// cholSolve overwrites b with (UᵀU)⁻¹ b for the factor t of cholesky
// (two triangular solves with one right-hand side: gonum's Dpotrs goes
// through Dtrsm, which is slow for a single column).
func cholSolve(t blas64.Triangular, b []float64) {
	x := blas64.Vector{N: t.N, Inc: 1, Data: b}
	blas64.Trsv(blas.Trans, t, x)
	blas64.Trsv(blas.NoTrans, t, x)
}

// luSolve overwrites b with A⁻¹ b for the LU factors lu and pivots ipiv
// of Getrf.
func luSolve(lu blas64.General, ipiv []int, b []float64) {
	for i, p := range ipiv {
		if p != i {
			b[i], b[p] = b[p], b[i]
		}
	}
	x := blas64.Vector{N: lu.Rows, Inc: 1, Data: b}
	blas64.Trsv(blas.NoTrans, blas64.Triangular{Uplo: blas.Lower, Diag: blas.Unit, N: lu.Rows, Stride: lu.Stride, Data: lu.Data}, x)
	blas64.Trsv(blas.NoTrans, blas64.Triangular{Uplo: blas.Upper, Diag: blas.NonUnit, N: lu.Rows, Stride: lu.Stride, Data: lu.Data}, x)
}

func (s *solver) general(data []float64) blas64.General {
	return blas64.General{Rows: s.n, Cols: s.n, Stride: s.n, Data: data}
}

// solve runs Levenberg–Marquardt from v0 (not modified), then polishes
// or refines where it ended.
func (s *solver) solve(v0 []float64) endPoint {
	v := slices.Clone(v0)
	q := s.residual(v, s.g)
	var pinned []bool
	if s.relu {
		pinned = make([]bool, s.n)
	}
	q, iters := s.lm(v, q, 0, pinned)
	released := -1
	for cycle := 0; s.relu && q > s.o.TolQ && iters < s.o.MaxIters && cycle < kinkCycles; cycle++ {
		var changed bool
		if changed, released = s.kinks(v, pinned, released); !changed {
			break
		}
		q = s.residual(v, s.g)
		q, iters = s.lm(v, q, iters, pinned)
	}
	switch {
	case q <= s.o.TolQ:
		q, iters = s.polish(v, q, iters, false)
	case s.relu:
		q, iters = s.polish(v, q, iters, true)
	case q <= s.o.SlowQ:
		q, iters = s.refine(v, q, iters)
		if q <= s.o.TolQ {
			q, iters = s.polish(v, q, iters, false)
		}
	}
	return endPoint{v: v, q: q, iters: iters}
}

// kinks handles a relu run that stalled (q is piecewise quadratic, and
// a run can stall on a kink: the hyperplane v_i = 0 of a unit, where the
// Gauss–Newton models of both sides point across it although q still
// falls along it). It pins every unit within 1e-8 (1 + ‖v‖∞) of 0 at
// exactly 0 (Levenberg–Marquardt then leaves it there, minimising q
// along the kink); when none is left to pin, it releases the pinned unit
// whose one-sided derivative of q falls most steeply (below
// −1e-12 ‖g‖) onto that side, and returns its index as released (the
// unit released by the call before, skip, is not pinned again at once:
// Levenberg–Marquardt may not have moved it off 0 yet). It reports
// whether it changed anything: if not, v is a local minimum of q over
// its kinks.
func (s *solver) kinks(v []float64, pinned []bool, skip int) (changed bool, released int) {
	size := 0.0
	for _, x := range v {
		size = math.Max(size, math.Abs(x))
	}
	for i, x := range v {
		if !pinned[i] && i != skip && math.Abs(x) <= 1e-8*(1+size) {
			v[i], pinned[i], changed = 0, true, true
		}
	}
	if changed {
		return true, -1
	}
	gn := math.Sqrt(norm2(s.g))
	best, at, side := -1e-12*gn, -1, 0.0
	for i, p := range pinned {
		if !p {
			continue
		}
		up, down := s.sides(i)
		if up < best {
			best, at, side = up, i, 1
		}
		if down < best {
			best, at, side = down, i, -1
		}
	}
	if at < 0 {
		return false, -1
	}
	pinned[at] = false
	v[at] = side * 1e-12 * (1 + size)
	return true, at
}

// sides returns the one-sided rates of change of q at v (with s.g its
// residual) when unit i, at v_i = 0, moves up (active: ∂F_k/∂v_i =
// α_k W_rec[i][k] + (1 − α_i) δ_ki) and when it moves down (inactive:
// ∂F_k/∂v_i = (1 − α_i) δ_ki), per unit moved.
func (s *solver) sides(i int) (up, down float64) {
	n, d := s.n, s.d
	up = -d.Alpha[i] * s.g[i]
	for k, w := range d.WRec[i*n : (i+1)*n] {
		up += d.Alpha[k] * w * s.g[k]
	}
	return up, d.Alpha[i] * s.g[i]
}

// lm runs Levenberg–Marquardt from v (updated in place, with s.g its
// residual and q its q) until q ≤ TolQ, a stall or MaxIters iterations
// in all; it returns q and the iteration count. The units marked in
// pinned (nil: none) keep their values: their columns of J − I are
// dropped, so the steps leave them alone.
func (s *solver) lm(v []float64, q float64, iters int, pinned []bool) (float64, int) {
	n := s.n
	mu, nu := 0.0, 2.0
	stalled := false
	for iters < s.o.MaxIters && q > s.o.TolQ && !stalled {
		iters++
		s.jacobian(v)
		for j, p := range pinned {
			if p {
				for i := range n {
					s.a[i*n+j] = 0
				}
			}
		}
		A := s.general(s.a)
		s.gram()
		blas64.Gemv(blas.Trans, 1, A, blas64.Vector{N: n, Inc: 1, Data: s.g}, 0, blas64.Vector{N: n, Inc: 1, Data: s.grad})
		if mu == 0 {
			big := 0.0
			for i := range n {
				big = math.Max(big, s.h[i*n+i])
			}
			mu = 1e-3 * big
			if mu == 0 {
				mu = 1e-3
			}
		}
		gnorm := 0.0
		for _, x := range s.grad {
			gnorm = math.Max(gnorm, math.Abs(x))
		}
		if gnorm == 0 { // a stationary point of q that is not a zero
			stalled = true
			break
		}
		for {
			if s.dampedStep(n, mu) {
				dd, gd := 0.0, 0.0
				for i, x := range s.del {
					s.vNew[i] = v[i] + x
					dd += x * x
					gd += x * s.grad[i]
				}
				pred := (mu*dd - gd) / 2
				qNew := s.residual(s.vNew, s.gNew)
				if qNew < q && pred > 0 {
					rho := (q - qNew) / pred
					mu *= math.Max(1.0/3, 1-math.Pow(2*rho-1, 3))
					nu = 2
					if q-qNew <= s.o.TolDQ*q {
						stalled = true
					}
					copy(v, s.vNew)
					copy(s.g, s.gNew)
					q = qNew
					break
				}
				if dd <= 1e-32*(1+norm2(v)) { // the step is below rounding
					stalled = true
					break
				}
			}
			mu *= nu
			nu *= 2
			if mu > 1e300 || math.IsInf(nu, 0) {
				stalled = true
				break
			}
		}
	}
	return q, iters
}

// dampedStep solves (H + μI) δ = −grad into s.del, with H = s.h (the
// Gauss–Newton or Newton matrix of the current step), and reports
// whether H + μI was positive definite.
func (s *solver) dampedStep(n int, mu float64) bool {
	copy(s.m, s.h)
	for i := range n {
		s.m[i*n+i] += mu
	}
	t, ok := s.cholesky()
	if !ok {
		return false
	}
	for i, x := range s.grad {
		s.del[i] = -x
	}
	cholSolve(t, s.del)
	return true
}

// refine converges to the local minimum of q near v (a slow point) with
// damped Newton steps on q itself: Gauss–Newton's (J − I)ᵀ(J − I) lacks
// the term Σ_i g_i ∇²g_i, which does not vanish where g does not, so it
// converges only linearly there. That term is diagonal: ∂²g_i/∂v_k² =
// α_i W_rec[k][i] f″(v_k), so the Hessian of q is (J − I)ᵀ(J − I) +
// diag(f″(v) ⊙ (W_rec (α ⊙ g))). Steps solve (H + μ I) δ = −∇q with μ
// raised until H + μ I is positive definite and the step does not raise
// q beyond rounding. It stops when a step is below 1e-12 (1 + ‖v‖∞) in
// every component, or after refineIters steps.
func (s *solver) refine(v []float64, q float64, iters int) (float64, int) {
	n := s.n
	curv := make([]float64, n)
	mu, nu := 0.0, 2.0
	for range refineIters {
		iters++
		s.jacobian(v)
		A := s.general(s.a)
		s.gram()
		blas64.Gemv(blas.Trans, 1, A, blas64.Vector{N: n, Inc: 1, Data: s.g}, 0, blas64.Vector{N: n, Inc: 1, Data: s.grad})
		big := 0.0
		for k := range n {
			c := 0.0
			row := s.d.WRec[k*n : (k+1)*n]
			for i, w := range row {
				c += w * s.d.Alpha[i] * s.g[i]
			}
			curv[k] = c * rateD2(s.d.Activation, v[k])
			s.h[k*n+k] += curv[k]
			big = math.Max(big, math.Abs(s.h[k*n+k]))
		}
		if mu == 0 {
			mu = 1e-6 * big
			if mu == 0 {
				mu = 1e-12
			}
		}
		accepted, done := false, false
		for !accepted && !done {
			if s.dampedStep(n, mu) {
				step, size := 0.0, 0.0
				for i, x := range s.del {
					s.vNew[i] = v[i] + x
					step = math.Max(step, math.Abs(x))
					size = math.Max(size, math.Abs(v[i]))
				}
				qNew := s.residual(s.vNew, s.gNew)
				// Near the minimum q is flat to rounding while its
				// gradient still points the way: allow rounding-level
				// rises and stop on the step's size.
				if qNew <= q*(1+1e-14) {
					done = step <= 1e-12*(1+size)
					copy(v, s.vNew)
					copy(s.g, s.gNew)
					q = qNew
					mu /= 3
					nu = 2
					accepted = true
					break
				}
			}
			mu *= nu
			nu *= 2
			done = mu > 1e300 || math.IsInf(nu, 0)
		}
		if done || !accepted {
			break
		}
	}
	return q, iters
}

// rateD2 is f″(v) for the activation (as rnn defines f).
func rateD2(a rnn.Activation, v float64) float64 {
	switch a {
	case rnn.Tanh:
		t := math.Tanh(v)
		return -2 * t * (1 - t*t)
	case rnn.ReTanh:
		if v <= 0 {
			return 0
		}
		t := math.Tanh(v)
		return -2 * t * (1 - t*t)
	case rnn.Sigmoid:
		s := sigmoid(v)
		return s * (1 - s) * (1 - 2*s)
	case rnn.Softplus:
		s := sigmoid(v)
		return s * (1 - s)
	}
	return 0 // relu
}

func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

// polish takes undamped Newton steps (J − I) δ = −g from v while they
// lower q. With samePattern (relu only), the first step is kept only
// when it also keeps every unit's side of 0 (v > 0 or not): within one
// pattern F is affine and the step lands on that pattern's fixed point.
func (s *solver) polish(v []float64, q float64, iters int, samePattern bool) (float64, int) {
	for range polishSteps {
		if q == 0 {
			break
		}
		s.jacobian(v)
		copy(s.lu, s.a)
		if !lapack64.Getrf(s.general(s.lu), s.ipiv) {
			break
		}
		for i, x := range s.g {
			s.del[i] = -x
		}
		luSolve(s.general(s.lu), s.ipiv, s.del)
		same := true
		for i, x := range s.del {
			s.vNew[i] = v[i] + x
			if (s.vNew[i] > 0) != (v[i] > 0) {
				same = false
			}
		}
		qNew := s.residual(s.vNew, s.gNew)
		if !(qNew < q) || samePattern && !same {
			break
		}
		samePattern = false
		iters++
		copy(v, s.vNew)
		copy(s.g, s.gNew)
		q = qNew
	}
	return q, iters
}

// describe fills in the rates, readout, eigen decomposition and
// stability of p (whose V, Q, ... are set).
func describe(d *rnn.Dynamics, p *FixedPoint, modes int) (err error) {
	n := d.N
	p.R = make([]float64, n)
	d.Rates(p.V, p.R)
	p.Readout = make([]float64, d.Out)
	d.Readout(p.R, p.Readout)
	J := make([]float64, n*n)
	d.Jacobian(p.V, J)
	vals, right, left, err := eigenModes(J, n, modes)
	if err != nil {
		return fmt.Errorf("analysis: fixed points: eigen decomposition of the Jacobian at the point from initial[%d]: %w", p.From, err)
	}
	p.Eigenvalues, p.Right, p.Left = vals, right, left
	for _, lam := range vals {
		switch m := cmplx.Abs(lam); {
		case m > 1+marginalTol:
			p.Unstable++
		case m >= 1-marginalTol:
			p.Marginal++
		}
	}
	switch {
	case p.Unstable == n:
		p.Stability = "unstable"
	case p.Unstable > 0:
		p.Stability = "saddle"
	case p.Marginal > 0:
		p.Stability = "marginal"
	default:
		p.Stability = "stable"
	}
	return nil
}

// eigenModes returns the eigenvalues of the n×n row-major matrix J,
// sorted as Eigenvalues sorts them, and the right and left eigenvectors of
// the first modes of them (right: unit norm; left: row vectors with
// l·r = 1). It asks LAPACK (mat.Eigen) for both sets of vectors; where
// that fails (gonum v0.17's Dlaln2 indexes its solution by the wrong
// leading dimension when a 2×2 Schur block is singular to working
// precision, which repeated eigenvalues cause, and panics), it takes the
// eigenvalues alone from LAPACK and the vectors from inverse iteration.
func eigenModes(J []float64, n, modes int) (vals []complex128, right, left [][]complex128, err error) {
	kind := mat.EigenNone
	if modes > 0 {
		kind = mat.EigenBoth
	}
	var eig mat.Eigen
	if !factorize(&eig, J, n, kind) {
		if kind == mat.EigenNone || !factorize(&eig, J, n, mat.EigenNone) {
			return nil, nil, nil, fmt.Errorf("the decomposition did not converge")
		}
		kind = mat.EigenNone
	}
	raw := eig.Values(nil)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return compareEig(raw[i], raw[j]) })
	vals = make([]complex128, n)
	for k, i := range order {
		vals[k] = raw[i]
	}
	if modes == 0 {
		return vals, nil, nil, nil
	}
	if kind == mat.EigenNone { // LAPACK's vectors failed
		right, left = inverseIteration(J, n, vals[:modes])
		return vals, right, left, nil
	}
	var rv, lv mat.CDense
	eig.VectorsTo(&rv)
	eig.LeftVectorsTo(&lv)
	right = make([][]complex128, modes)
	left = make([][]complex128, modes)
	for k := range modes {
		c := order[k]
		r, l := make([]complex128, n), make([]complex128, n)
		for i := range n {
			r[i] = rv.At(i, c)
			// gonum's left eigenvector u satisfies uᴴ J = λ uᴴ: the row
			// vector is its conjugate.
			l[i] = cmplx.Conj(lv.At(i, c))
		}
		right[k], left[k] = r, l
	}
	// LAPACK computes left and right vectors independently: within a
	// repeated eigenvalue they need not be dual. Make them so, or take
	// the cluster from inverse iteration where they cannot be.
	for k0, k1 := range clusters(vals[:modes]) {
		if !dualise(left[k0:k1], right[k0:k1]) {
			r, l := inverseIteration(J, n, vals[k0:k1])
			copy(right[k0:k1], r)
			copy(left[k0:k1], l)
		}
	}
	return vals, right, left, nil
}

// clusters yields [k0, k1) for each run of equal eigenvalues (within
// 1e-8 relative) of the sorted vals.
func clusters(vals []complex128) func(func(int, int) bool) {
	return func(yield func(int, int) bool) {
		for k0 := 0; k0 < len(vals); {
			k1 := k0 + 1
			for k1 < len(vals) && cmplx.Abs(vals[k1]-vals[k0]) <= 1e-8*math.Max(1, cmplx.Abs(vals[k0])) {
				k1++
			}
			if !yield(k0, k1) {
				return
			}
			k0 = k1
		}
	}
}

// factorize runs eig.Factorize, reporting a panic as a failure.
func factorize(eig *mat.Eigen, J []float64, n int, kind mat.EigenKind) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
		}
	}()
	return eig.Factorize(mat.NewDense(n, n, slices.Clone(J)), kind)
}

// compareEig orders eigenvalues by decreasing modulus, then decreasing
// real part, then decreasing imaginary part.
func compareEig(a, b complex128) int {
	if c := cmp.Compare(cmplx.Abs(b), cmplx.Abs(a)); c != 0 {
		return c
	}
	if c := cmp.Compare(real(b), real(a)); c != 0 {
		return c
	}
	return cmp.Compare(imag(b), imag(a))
}

// scaleDual scales l so that l·r = 1, unless l·r is 0 (or too small to
// divide by).
func scaleDual(l, r []complex128) {
	var dot complex128
	for i := range l {
		dot += l[i] * r[i]
	}
	if s := 1 / dot; dot != 0 && !cmplx.IsInf(s) && !cmplx.IsNaN(s) {
		for i := range l {
			l[i] *= s
		}
	}
}

// inverseIteration returns right and left eigenvectors of J for the
// eigenvalues vals (sorted, so equal ones are adjacent). A run of equal
// eigenvalues (within 1e-8 relative) is one cluster: its vectors are a
// basis of the invariant subspace, found by subspace inverse iteration
// with the shift λ + 1e-10 max(1, |λ|) from deterministic start vectors, and its
// left vectors are made dual to its right ones (l_a·r_b = δ_ab).
func inverseIteration(J []float64, n int, vals []complex128) (right, left [][]complex128) {
	right = make([][]complex128, len(vals))
	left = make([][]complex128, len(vals))
	for k0, k1 := range clusters(vals) {
		lam := vals[k0]
		m := k1 - k0
		shift := lam + complex(1e-10*math.Max(1, cmplx.Abs(lam)), 0)
		lu := newCLU(J, n, shift)
		rng := rand.New(rand.NewPCG(uint64(n), uint64(k0)))
		for _, trans := range []bool{false, true} {
			x := make([][]complex128, m)
			for a := range x {
				x[a] = make([]complex128, n)
				for i := range x[a] {
					x[a][i] = complex(rng.NormFloat64(), 0)
				}
			}
			for range 4 {
				for a := range x {
					lu.solve(x[a], trans)
				}
				orthonormalise(x)
			}
			for _, v := range x {
				realPhase(v)
			}
			if trans {
				copy(left[k0:k1], x)
			} else {
				copy(right[k0:k1], x)
			}
		}
		if !dualise(left[k0:k1], right[k0:k1]) {
			for a := k0; a < k1; a++ {
				scaleDual(left[a], right[a])
			}
		}
	}
	return right, left
}

// dualise replaces the left vectors L (rows) by M⁻¹ L with M = L R, so
// that l_a·r_b = δ_ab, and reports true, when M is well conditioned
// (its LU has no pivot below 1e-8 of its largest entry); otherwise it
// leaves them and reports false.
func dualise(left, right [][]complex128) bool {
	m := len(left)
	M := make([]complex128, m*m)
	for a := range m {
		for b := range m {
			for i := range left[a] {
				M[a*m+b] += left[a][i] * right[b][i]
			}
		}
	}
	lu := newCLUFrom(M, m, 1e-8)
	if lu.singular {
		return false
	}
	n := len(left[0])
	out := make([][]complex128, m)
	for a := range out {
		out[a] = make([]complex128, n)
	}
	col := make([]complex128, m)
	for i := range n {
		for a := range m {
			col[a] = left[a][i]
		}
		lu.solve(col, false)
		for a := range m {
			out[a][i] = col[a]
		}
	}
	copy(left, out)
	return true
}

// orthonormalise makes the vectors of x orthonormal (modified
// Gram–Schmidt, Hermitian inner product), in order.
func orthonormalise(x [][]complex128) {
	for a := range x {
		for b := range a {
			var dot complex128
			for i := range x[a] {
				dot += cmplx.Conj(x[b][i]) * x[a][i]
			}
			for i := range x[a] {
				x[a][i] -= dot * x[b][i]
			}
		}
		s := 0.0
		for _, z := range x[a] {
			s += real(z)*real(z) + imag(z)*imag(z)
		}
		if s = math.Sqrt(s); s > 0 {
			for i := range x[a] {
				x[a][i] /= complex(s, 0)
			}
		}
	}
}

// realPhase rotates v so that its largest component is real and
// positive, as LAPACK normalises its eigenvectors.
func realPhase(v []complex128) {
	big, at := -1.0, 0
	for i, z := range v {
		if a := cmplx.Abs(z); a > big {
			big, at = a, i
		}
	}
	if big <= 0 {
		return
	}
	ph := cmplx.Conj(v[at]) / complex(big, 0)
	for i := range v {
		v[i] *= ph
	}
}

// cLU is an LU factorisation with partial pivoting of a complex matrix,
// P A = L U, for inverse iteration. An exactly zero pivot is replaced by
// a tiny one (the matrix is a shifted, nearly singular one on purpose).
type cLU struct {
	n        int
	a        []complex128 // L (unit diagonal, below) and U (on and above)
	piv      []int
	singular bool
}

// newCLU factorises J − shift·I.
func newCLU(J []float64, n int, shift complex128) *cLU {
	a := make([]complex128, n*n)
	for i, x := range J {
		a[i] = complex(x, 0)
	}
	for i := range n {
		a[i*n+i] -= shift
	}
	return newCLUFrom(a, n, 1e-16)
}

// newCLUFrom factorises a (n×n, row-major, overwritten); a pivot below
// rel × the largest entry marks it singular (and is raised to that).
func newCLUFrom(a []complex128, n int, rel float64) *cLU {
	lu := &cLU{n: n, a: a, piv: make([]int, n)}
	scale := 0.0
	for _, z := range a {
		scale = math.Max(scale, cmplx.Abs(z))
	}
	tiny := 1e-300 + rel*scale
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if cmplx.Abs(a[r*n+c]) > cmplx.Abs(a[p*n+c]) {
				p = r
			}
		}
		lu.piv[c] = p
		if p != c {
			for j := range n {
				a[c*n+j], a[p*n+j] = a[p*n+j], a[c*n+j]
			}
		}
		if cmplx.Abs(a[c*n+c]) < tiny {
			lu.singular = true
			a[c*n+c] = complex(tiny, 0)
		}
		inv := 1 / a[c*n+c]
		for r := c + 1; r < n; r++ {
			f := a[r*n+c] * inv
			a[r*n+c] = f
			if f == 0 {
				continue
			}
			rowR, rowC := a[r*n+c+1:(r+1)*n], a[c*n+c+1:(c+1)*n]
			for j, x := range rowC {
				rowR[j] -= f * x
			}
		}
	}
	return lu
}

// solve overwrites b with A⁻¹ b, or with A⁻ᵀ b (plain transpose) for
// trans.
func (lu *cLU) solve(b []complex128, trans bool) {
	n, a := lu.n, lu.a
	if !trans {
		for c := range n {
			if p := lu.piv[c]; p != c {
				b[c], b[p] = b[p], b[c]
			}
		}
		for r := range n {
			for j := range r {
				b[r] -= a[r*n+j] * b[j]
			}
		}
		for r := n - 1; r >= 0; r-- {
			for j := r + 1; j < n; j++ {
				b[r] -= a[r*n+j] * b[j]
			}
			b[r] /= a[r*n+r]
		}
		return
	}
	// Aᵀ = Uᵀ Lᵀ P: solve Uᵀ z = b, Lᵀ w = z, then b = Pᵀ w.
	for r := range n {
		for j := range r {
			b[r] -= a[j*n+r] * b[j]
		}
		b[r] /= a[r*n+r]
	}
	for r := n - 1; r >= 0; r-- {
		for j := r + 1; j < n; j++ {
			b[r] -= a[j*n+r] * b[j]
		}
	}
	for c := n - 1; c >= 0; c-- {
		if p := lu.piv[c]; p != c {
			b[c], b[p] = b[p], b[c]
		}
	}
}

// parallel runs job(k) for k in [0, count) on up to workers goroutines;
// each goroutine gets its own job from newJob (for its scratch space).
func parallel(count, workers int, newJob func() func(int)) {
	workers = max(1, min(workers, count))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			job := newJob()
			for {
				k := int(next.Add(1)) - 1
				if k >= count {
					return
				}
				job(k)
			}
		})
	}
	wg.Wait()
}

// outlierLimit is scale × the median distance of the states from their
// centroid; 0 (no exclusion) for scale < 0 or a zero median.
func outlierLimit(states [][]float64, scale float64) float64 {
	if scale < 0 {
		return 0
	}
	c := mean(states)
	ds := make([]float64, len(states))
	for k, s := range states {
		ds[k] = dist(s, c)
	}
	slices.Sort(ds)
	m := len(ds) / 2
	med := ds[m]
	if len(ds)%2 == 0 {
		med = (ds[m-1] + ds[m]) / 2
	}
	return scale * med
}

func mean(states [][]float64) []float64 {
	c := make([]float64, len(states[0]))
	for _, s := range states {
		for i, x := range s {
			c[i] += x
		}
	}
	for i := range c {
		c[i] /= float64(len(states))
	}
	return c
}

func dist(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		e := a[i] - b[i]
		s += e * e
	}
	return math.Sqrt(s)
}

func norm2(a []float64) float64 {
	s := 0.0
	for _, x := range a {
		s += x * x
	}
	return s
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// SampleStates draws count states from potentials, a [trials, steps, n]
// row-major array (the layout of rnn.Result.Potentials), uniformly over
// (trial, step) with replacement, and adds independent Gaussian noise of
// standard deviation noise to every value: initial states for
// FixedPoints, as FixedPointFinder samples them. Padding steps of a batch
// of unequal trials are drawn like any other. Everything random comes from
// rng.
//
// It returns an error for trials, steps, n or count < 1, a potentials
// array of another length, a negative or non-finite noise, a nil rng, or
// a drawn state that is not finite.
func SampleStates(potentials []float32, trials, steps, n, count int, noise float64, rng *rand.Rand) ([][]float64, error) {
	if trials < 1 || steps < 1 || n < 1 {
		return nil, fmt.Errorf("analysis: sample states: shape %d×%d×%d is not allowed: trials, steps and n must be ≥ 1", trials, steps, n)
	}
	if len(potentials) != trials*steps*n {
		return nil, fmt.Errorf("analysis: sample states: potentials have %d values: trials×steps×n = %d×%d×%d needs %d", len(potentials), trials, steps, n, trials*steps*n)
	}
	if count < 1 {
		return nil, fmt.Errorf("analysis: sample states: count = %d is not allowed: must be ≥ 1", count)
	}
	if !finite(noise) || noise < 0 {
		return nil, fmt.Errorf("analysis: sample states: noise = %v is not allowed: must be a finite standard deviation ≥ 0", noise)
	}
	if rng == nil {
		return nil, fmt.Errorf("analysis: sample states: rng is nil: pass a *rand.Rand (math/rand/v2) so the draw is reproducible")
	}
	out := make([][]float64, count)
	for k := range out {
		tr, st := rng.IntN(trials), rng.IntN(steps)
		row := potentials[(tr*steps+st)*n : (tr*steps+st+1)*n]
		s := make([]float64, n)
		for i, x := range row {
			if !finite(float64(x)) {
				return nil, fmt.Errorf("analysis: sample states: potentials[%d] (trial %d, step %d, neuron %d) = %v is not allowed: must be finite", (tr*steps+st)*n+i, tr, st, i, x)
			}
			s[i] = float64(x)
			if noise > 0 {
				s[i] += noise * rng.NormFloat64()
			}
		}
		out[k] = s
	}
	return out, nil
}
