package tasks

import (
	"fmt"
	"math"
	"sort"

	"github.com/dale-rnn/dale/batch"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Evidence places a trial on a psychometric curve: the curve it belongs to
// and its signed evidence X for choice 1 (for example "right"), named by
// Name (a condition, such as "signed_coherence").
type Evidence struct {
	Curve string
	Name  string
	X     float64
}

// Curve is a psychometric curve: the probability of choice 1 against
// signed evidence, with a fitted probit.
type Curve struct {
	Label    string  `json:"label"`    // e.g. "all", "context 1, modality 2"
	Evidence string  `json:"evidence"` // the condition on the x axis
	Points   []Point `json:"points"`
	Fit      Probit  `json:"fit"`
	// Excluded counts trials left out because they broke fixation.
	Excluded int `json:"excluded"`
}

// Point is the observed fraction of choice 1 at one evidence value.
type Point struct {
	X       float64 `json:"x"`
	Trials  int     `json:"trials"`
	PChoice float64 `json:"p_choice1"`
}

// Probit is the fitted curve P(choice 1 | x) = Φ(Slope·(x − Bias)), Φ the
// standard normal CDF: Bias is the point of subjective equality (the x at
// which both choices are equally likely) and Slope the inverse of the
// cumulative Gaussian's standard deviation (Sigma = 1/Slope).
//
// Converged is false, and Reason says why, when the iteration did not
// converge or when the data do not support the fit (checked in this
// order):
//
//   - the choices are constant (all choice 0 or all choice 1): any bias far
//     enough outside the data fits them, so the fit runs off (a slope of
//     1e-18 with a bias of 1e17, say);
//   - the slope is 0, or the bias or slope is not finite (such values are
//     written as 0);
//   - the curve is flat: the fitted P(choice 1) changes by less than
//     FlatProbit across the range of the evidence, so the bias means
//     nothing;
//   - the bias lies outside [min x, max x]: the data do not contain the
//     point of subjective equality;
//   - the curve is a step (it rises from 1 % to 99 %, a width of 4.65σ,
//     within less than the smallest gap between two adjacent evidence
//     values, as perfectly separated choices give) at a place the choices
//     do not put it: the bias is not between the largest x of one choice
//     and the smallest x of the other. A step where the choices separate is
//     converged: its place is what the data say, though its slope is only
//     a lower bound.
type Probit struct {
	Bias      float64 `json:"bias"`
	Slope     float64 `json:"slope"`
	Sigma     float64 `json:"sigma"`
	LogLik    float64 `json:"log_likelihood"`
	Converged bool    `json:"converged"`
	Reason    string  `json:"reason,omitempty"`
}

// FlatProbit is the smallest change of the fitted P(choice 1) across the
// evidence range for which a probit fit is not reported as flat.
const FlatProbit = 0.1

// Psychometrics computes the psychometric curves of a two-choice task (pdm,
// ctxdm, multisensory, romo) from a batch and its Score: per curve, the
// fraction of choice 1 at each evidence value and a probit fit. ctxdm gives
// four curves, one per context and modality: in context c the curve of the
// cued modality should be steep and the other flat. Trials that broke
// fixation are left out. Other tasks are an error.
func Psychometrics(t Task, b *batch.Batch, s Score) ([]Curve, error) {
	k, ok := t.(interface {
		evidence() func(batch.Trial) []Evidence
	})
	if !ok || k.evidence() == nil {
		return nil, fmt.Errorf("tasks: psychometrics: task %q has no psychometric curve; allowed: pdm, ctxdm, multisensory, romo", t.Name())
	}
	if b == nil || b.Trials == nil || len(s.PerTrial) != len(b.Trials) {
		return nil, fmt.Errorf("tasks: psychometrics: the score (%d trials) does not match the batch", len(s.PerTrial))
	}
	ev := k.evidence()
	type obs struct {
		x []float64
		y []bool
	}
	data := map[string]*obs{}
	names := map[string]string{}
	excluded := map[string]int{}
	var order []string
	for i, tr := range b.Trials {
		for _, e := range ev(tr) {
			o := data[e.Curve]
			if o == nil {
				o = &obs{}
				data[e.Curve] = o
				names[e.Curve] = e.Name
				order = append(order, e.Curve)
			}
			if s.PerTrial[i].FixationBroken || s.PerTrial[i].Chosen < 0 {
				excluded[e.Curve]++
				continue
			}
			o.x = append(o.x, e.X)
			o.y = append(o.y, s.PerTrial[i].Chosen == 1)
		}
	}
	sort.Strings(order)
	curves := make([]Curve, 0, len(order))
	for _, label := range order {
		o := data[label]
		c := Curve{Label: label, Evidence: names[label], Excluded: excluded[label], Points: points(o.x, o.y)}
		if len(o.x) > 0 {
			fit, err := FitProbit(o.x, o.y)
			if err != nil {
				fit = Probit{Reason: err.Error()}
			}
			c.Fit = fit
		} else {
			c.Fit.Reason = "no trials"
		}
		curves = append(curves, c)
	}
	return curves, nil
}

func (k *core) evidence() func(batch.Trial) []Evidence { return k.psych }

func points(x []float64, y []bool) []Point {
	type acc struct{ n, k int }
	m := map[float64]*acc{}
	for i, v := range x {
		a := m[v]
		if a == nil {
			a = &acc{}
			m[v] = a
		}
		a.n++
		if y[i] {
			a.k++
		}
	}
	out := make([]Point, 0, len(m))
	for v, a := range m {
		out = append(out, Point{X: v, Trials: a.n, PChoice: float64(a.k) / float64(a.n)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].X < out[j].X })
	return out
}

// FitProbit fits P(y | x) = Φ(a + b·x) by maximum likelihood (Fisher
// scoring, i.e. iteratively reweighted least squares, with a ridge of 1e-6
// on a and b so that perfectly separated data give a large finite slope
// instead of diverging), and returns Bias = −a/b, Slope = b. It needs at
// least two distinct, finite x values (else an error). A fit the data do
// not support is returned with Converged false and its Reason (see
// Probit), and a nil error.
func FitProbit(x []float64, y []bool) (Probit, error) {
	if len(x) != len(y) {
		return Probit{}, fmt.Errorf("tasks: probit: %d x values and %d choices", len(x), len(y))
	}
	distinct := false
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Probit{}, fmt.Errorf("tasks: probit: x value %v is not finite", v)
		}
		if v != x[0] {
			distinct = true
		}
	}
	if !distinct {
		return Probit{}, fmt.Errorf("tasks: probit: needs at least two distinct evidence values, got %d trials at one", len(x))
	}
	// Centre and scale x so the iteration is well conditioned.
	var mx, sx float64
	for _, v := range x {
		mx += v
	}
	mx /= float64(len(x))
	for _, v := range x {
		sx += (v - mx) * (v - mx)
	}
	sx = math.Sqrt(sx / float64(len(x)))
	norm := distuv.UnitNormal
	const ridge = 1e-6
	beta := [2]float64{}
	loglik := func(b [2]float64) float64 {
		ll := -ridge / 2 * (b[0]*b[0] + b[1]*b[1])
		for i, v := range x {
			eta := b[0] + b[1]*(v-mx)/sx
			if y[i] {
				ll += logPhi(eta)
			} else {
				ll += logPhi(-eta)
			}
		}
		return ll
	}
	ll := loglik(beta)
	converged := false
	var d mat.VecDense
	for it := 0; it < 100; it++ {
		// Gradient and Fisher information of the log likelihood.
		var g0, g1, h00, h01, h11 float64
		for i, v := range x {
			z := (v - mx) / sx
			eta := beta[0] + beta[1]*z
			p := math.Min(math.Max(norm.CDF(eta), 1e-15), 1-1e-15)
			phi := norm.Prob(eta)
			yi := 0.0
			if y[i] {
				yi = 1
			}
			r := (yi - p) * phi / (p * (1 - p))
			w := phi * phi / (p * (1 - p))
			g0 += r
			g1 += r * z
			h00 += w
			h01 += w * z
			h11 += w * z * z
		}
		g := mat.NewVecDense(2, []float64{g0 - ridge*beta[0], g1 - ridge*beta[1]})
		h := mat.NewSymDense(2, []float64{h00 + ridge, h01, h01, h11 + ridge})
		if err := d.SolveVec(h, g); err != nil {
			break
		}
		// Halve the step until the likelihood does not fall.
		step := 1.0
		var next [2]float64
		var nll float64
		for range 30 {
			next = [2]float64{beta[0] + step*d.AtVec(0), beta[1] + step*d.AtVec(1)}
			nll = loglik(next)
			if nll >= ll-1e-12 {
				break
			}
			step /= 2
		}
		change := math.Abs(next[0]-beta[0]) + math.Abs(next[1]-beta[1])
		beta, ll = next, nll
		if change < 1e-10 {
			converged = true
			break
		}
	}
	// Back to the original x: a + b(x−mx)/sx = b'(x − bias).
	out := Probit{Slope: beta[1] / sx, Bias: mx - beta[0]*sx/beta[1], LogLik: ll}
	out.Sigma = 1 / out.Slope
	out.Reason = probitReason(x, y, out, converged)
	out.Converged = out.Reason == ""
	for _, v := range []*float64{&out.Bias, &out.Slope, &out.Sigma, &out.LogLik} {
		if math.IsNaN(*v) || math.IsInf(*v, 0) {
			*v = 0
		}
	}
	return out, nil
}

// probitReason says why fit (of y on x; converged: whether the iteration
// converged) is not to be trusted, or "" when it is; see Probit.
func probitReason(x []float64, y []bool, fit Probit, converged bool) string {
	ones := 0
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, v := range x {
		if y[i] {
			ones++
		}
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	switch ones {
	case 0:
		return "the choices are constant (all choice 0): the curve is not determined"
	case len(y):
		return "the choices are constant (all choice 1): the curve is not determined"
	}
	if !converged {
		return "the fit did not converge in 100 iterations"
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if fit.Slope == 0 || !finite(fit.Slope) || !finite(fit.Bias) {
		return "slope 0: the choices do not depend on the evidence"
	}
	norm := distuv.UnitNormal
	if d := math.Abs(norm.CDF(fit.Slope*(hi-fit.Bias)) - norm.CDF(fit.Slope*(lo-fit.Bias))); d < FlatProbit {
		return fmt.Sprintf("the fitted curve is flat: P(choice 1) changes by %.3g across the evidence range [%g, %g]", d, lo, hi)
	}
	if fit.Bias < lo || fit.Bias > hi {
		return fmt.Sprintf("the bias %.4g lies outside the evidence range [%g, %g]", fit.Bias, lo, hi)
	}
	vals := append([]float64(nil), x...)
	sort.Float64s(vals)
	gap := math.Inf(1)
	for i := 1; i < len(vals); i++ {
		if d := vals[i] - vals[i-1]; d > 0 {
			gap = math.Min(gap, d)
		}
	}
	if 2*2.3263*math.Abs(1/fit.Slope) < gap {
		// The largest x of the choice the curve starts from, and the
		// smallest of the other.
		last, first := math.Inf(-1), math.Inf(1)
		for i, v := range x {
			if y[i] == (fit.Slope > 0) {
				first = math.Min(first, v)
			} else {
				last = math.Max(last, v)
			}
		}
		if !(last < first && fit.Bias >= last && fit.Bias <= first) {
			return fmt.Sprintf("the fit is a step at x = %.4g, where the choices do not separate (the choice below the step reaches x = %g, the other starts at x = %g)", fit.Bias, last, first)
		}
	}
	return ""
}

// logPhi is log Φ(x), accurate far in the lower tail.
func logPhi(x float64) float64 {
	if x > -30 {
		return math.Log(0.5 * math.Erfc(-x/math.Sqrt2))
	}
	// Asymptotic: Φ(x) ≈ φ(x)/(−x).
	return -x*x/2 - math.Log(-x) - 0.5*math.Log(2*math.Pi)
}
