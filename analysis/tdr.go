package analysis

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// TDROptions configure targeted dimensionality reduction. The zero value
// is Mante et al. 2013's procedure with 12 principal components.
type TDROptions struct {
	// PCs is the number of principal components of the
	// condition-averaged responses kept to denoise the regression
	// coefficients (0 → 12; never more than the data has).
	PCs int
}

// TDRInput is the data of a TDR: the rates of every trial and time step
// and, per trial, the task variables and the condition it belongs to.
type TDRInput struct {
	// Rates is [Trials, Steps, N], row-major (rnn.Result.Rates' layout).
	Rates            []float32
	Trials, Steps, N int
	// Variables are the regressors in order (the axes come out in this
	// order, and QR orthogonalises them in it): Names[v] with one value
	// per trial in Values[v] (for example choice ±1, each modality's
	// signed coherence, context ±1).
	Names  []string
	Values [][]float64
	// Condition is each trial's condition (0 … len(ConditionNames)−1),
	// over which responses are averaged for the denoising PCA and the
	// projections; a trial with −1 is left out of both.
	Condition      []int
	ConditionNames []string
}

// TDRResult is the outcome of TDR.
type TDRResult struct {
	// Names are the variables, in order; Axes is N×len(Names), row-major:
	// column v is the orthonormal axis of variable v (after QR, in order).
	Names []string
	Axes  []float64
	// Raw is N×len(Names): each variable's denoised coefficient vector at
	// its time of maximum norm, before orthogonalisation; TMax is that
	// step, and Norm the norm there.
	Raw  []float64
	TMax []int
	Norm []float64
	// Projections is [Conditions, Steps, len(Names)]: the
	// condition-averaged (z-scored) population response projected on each
	// axis; Counts are the trials averaged per condition.
	Projections    []float64
	ConditionNames []string
	Counts         []int
	// Explained is the fraction of the condition-averaged variance in the
	// PCs kept.
	Explained float64
}

// TDR is Mante et al. 2013's targeted dimensionality reduction: each
// unit's rate, z-scored over all trials and steps, is regressed at every
// step on the task variables (with an intercept) over trials; the
// coefficient vectors (over units) are denoised by projecting them on the
// top principal components of the condition-averaged responses; each
// variable's axis is its denoised vector at the step where its norm is
// largest; the axes are orthogonalised by QR in the order given, and the
// condition-averaged responses are projected on them.
func TDR(in TDRInput, opt TDROptions) (*TDRResult, error) {
	T, S, N, V := in.Trials, in.Steps, in.N, len(in.Names)
	switch {
	case T < 2 || S < 1 || N < 1:
		return nil, fmt.Errorf("analysis: tdr: trials = %d, steps = %d, n = %d is not allowed: need at least 2 trials, 1 step and 1 unit", T, S, N)
	case len(in.Rates) != T*S*N:
		return nil, fmt.Errorf("analysis: tdr: rates has %d values, trials × steps × n = %d", len(in.Rates), T*S*N)
	case V < 1 || len(in.Values) != V:
		return nil, fmt.Errorf("analysis: tdr: %d variable names and %d value lists: need at least one, one list each", V, len(in.Values))
	case len(in.Condition) != T:
		return nil, fmt.Errorf("analysis: tdr: %d condition labels for %d trials", len(in.Condition), T)
	case V+1 > T:
		return nil, fmt.Errorf("analysis: tdr: %d variables need more than %d trials", V, T)
	}
	for v, vals := range in.Values {
		if len(vals) != T {
			return nil, fmt.Errorf("analysis: tdr: variable %q has %d values for %d trials", in.Names[v], len(vals), T)
		}
		for _, x := range vals {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("analysis: tdr: variable %q has a value %v: values must be finite", in.Names[v], x)
			}
		}
	}
	C := len(in.ConditionNames)
	for k, c := range in.Condition {
		if c < -1 || c >= C {
			return nil, fmt.Errorf("analysis: tdr: trial %d has condition %d, want -1 … %d", k, c, C-1)
		}
	}
	pcs := opt.PCs
	if pcs == 0 {
		pcs = 12
	}
	if pcs < 0 {
		return nil, fmt.Errorf("analysis: tdr: pcs = %d is not allowed: must be > 0", pcs)
	}

	// z-score each unit over all trials and steps.
	mean, sd := make([]float64, N), make([]float64, N)
	for i, r := range in.Rates {
		mean[i%N] += float64(r)
	}
	for i := range mean {
		mean[i] /= float64(T * S)
	}
	for i, r := range in.Rates {
		d := float64(r) - mean[i%N]
		sd[i%N] += d * d
	}
	for i := range sd {
		sd[i] = math.Sqrt(sd[i] / float64(T*S))
		if sd[i] == 0 {
			sd[i] = 1 // a silent unit stays 0
		}
	}
	z := func(k, s, i int) float64 { return (float64(in.Rates[(k*S+s)*N+i]) - mean[i]) / sd[i] }

	// Regression design: F is T×(V+1), [variables, 1]; β = (FᵀF)⁻¹ Fᵀ r.
	F := mat.NewDense(T, V+1, nil)
	for k := range T {
		for v := range V {
			F.Set(k, v, in.Values[v][k])
		}
		F.Set(k, V, 1)
	}
	var FtF mat.Dense
	FtF.Mul(F.T(), F)
	var inv mat.Dense
	if err := inv.Inverse(&FtF); err != nil {
		return nil, fmt.Errorf("analysis: tdr: the task variables are collinear over these trials (%v): %v", in.Names, err)
	}
	var pinv mat.Dense // (V+1)×T
	pinv.Mul(&inv, F.T())
	// coef[s] is (V+1)×N.
	coef := make([]*mat.Dense, S)
	R := mat.NewDense(T, N, nil)
	for s := range S {
		for k := range T {
			for i := range N {
				R.Set(k, i, z(k, s, i))
			}
		}
		var b mat.Dense
		b.Mul(&pinv, R)
		coef[s] = &b
	}

	// Condition averages: X is N×(C·S).
	counts := make([]int, C)
	avg := make([]float64, C*S*N)
	for k, c := range in.Condition {
		if c < 0 {
			continue
		}
		counts[c]++
		for s := range S {
			for i := range N {
				avg[(c*S+s)*N+i] += z(k, s, i)
			}
		}
	}
	used := 0
	for c, n := range counts {
		if n == 0 {
			continue
		}
		used++
		for j := c * S * N; j < (c+1)*S*N; j++ {
			avg[j] /= float64(n)
		}
	}
	if used == 0 {
		return nil, fmt.Errorf("analysis: tdr: no trial has a condition")
	}
	// Denoising projector D = U Uᵀ from the top PCs of the averages.
	rows := 0
	var data []float64
	for c, n := range counts {
		if n > 0 {
			data = append(data, avg[c*S*N:(c+1)*S*N]...)
			rows += S
		}
	}
	k := min(pcs, N, rows)
	axes, _, explained, err := PCAComponents(data, rows, N, k)
	if err != nil {
		return nil, fmt.Errorf("analysis: tdr: %v", err)
	}
	res := &TDRResult{Names: slices.Clone(in.Names), ConditionNames: slices.Clone(in.ConditionNames), Counts: counts,
		TMax: make([]int, V), Norm: make([]float64, V), Raw: make([]float64, N*V)}
	for _, e := range explained {
		res.Explained += e
	}
	U := mat.NewDense(N, k, nil)
	for i := range N {
		for a := range k {
			U.Set(i, a, axes[i*k+a]) // cols×k: column a is component a
		}
	}
	beta := make([]float64, N)
	den := make([]float64, N)
	for v := range V {
		best := -1.0
		for s := range S {
			for i := range N {
				beta[i] = coef[s].At(v, i)
			}
			project(U, beta, den)
			if nrm := norm(den); nrm > best {
				best = nrm
				res.TMax[v], res.Norm[v] = s, nrm
				for i := range N {
					res.Raw[i*V+v] = den[i]
				}
			}
		}
	}
	// QR in the given order.
	B := mat.NewDense(N, V, slices.Clone(res.Raw))
	var qr mat.QR
	qr.Factorize(B)
	var Q mat.Dense
	qr.QTo(&Q)
	var Rm mat.Dense
	qr.RTo(&Rm)
	res.Axes = make([]float64, N*V)
	for v := range V {
		sign := 1.0
		if Rm.At(v, v) < 0 {
			sign = -1 // keep each axis pointing along its variable's vector
		}
		if math.Abs(Rm.At(v, v)) < 1e-12*max(1, res.Norm[v]) {
			return nil, fmt.Errorf("analysis: tdr: the axis of %q lies in the span of the axes before it: the variables cannot be told apart in this activity", in.Names[v])
		}
		for i := range N {
			res.Axes[i*V+v] = sign * Q.At(i, v)
		}
	}
	// Projections of the condition averages.
	res.Projections = make([]float64, C*S*V)
	for c := range C {
		for s := range S {
			x := avg[(c*S+s)*N : (c*S+s+1)*N]
			for v := range V {
				p := 0.0
				for i := range N {
					p += x[i] * res.Axes[i*V+v]
				}
				res.Projections[(c*S+s)*V+v] = p
			}
		}
	}
	return res, nil
}

// project writes U Uᵀ x into out.
func project(U *mat.Dense, x, out []float64) {
	n, k := U.Dims()
	c := make([]float64, k)
	for a := range k {
		for i := range n {
			c[a] += U.At(i, a) * x[i]
		}
	}
	for i := range n {
		s := 0.0
		for a := range k {
			s += U.At(i, a) * c[a]
		}
		out[i] = s
	}
}

func norm(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}
