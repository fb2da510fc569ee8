package analysis

import (
	"fmt"
	"math"
	"slices"
)

// PsychometricPoints groups trials by their signed evidence (e.g. signed
// coherence: positive favours "right") and returns, for each distinct
// evidence level in increasing order, the fraction of trials on which the
// choice was "right" and the number of trials.
//
// It returns an error for no trials, lengths that differ, or a NaN or
// infinite evidence value.
func PsychometricPoints(evidence []float64, choseRight []bool) (levels, pRight []float64, counts []int, err error) {
	if len(evidence) == 0 {
		return nil, nil, nil, fmt.Errorf("analysis: psychometric points: no trials")
	}
	if len(evidence) != len(choseRight) {
		return nil, nil, nil, fmt.Errorf("analysis: psychometric points: %d evidence values and %d choices: must be equal", len(evidence), len(choseRight))
	}
	for i, e := range evidence {
		if math.IsNaN(e) || math.IsInf(e, 0) {
			return nil, nil, nil, fmt.Errorf("analysis: psychometric points: evidence[%d] = %v is not allowed: must be finite", i, e)
		}
	}
	levels = slices.Clone(evidence)
	slices.Sort(levels)
	levels = slices.Compact(levels)
	pRight = make([]float64, len(levels))
	counts = make([]int, len(levels))
	for i, e := range evidence {
		j, _ := slices.BinarySearch(levels, e)
		counts[j]++
		if choseRight[i] {
			pRight[j]++
		}
	}
	for j := range levels {
		pRight[j] /= float64(counts[j])
	}
	return levels, pRight, counts, nil
}

// Logistic is a psychometric function P(right | x) = 1 / (1 + exp(−Slope·(x − Bias))).
// Bias is the point of subjective equality; Slope the sensitivity.
type Logistic struct {
	Bias, Slope float64
}

// At returns P(right) at evidence x.
func (l Logistic) At(x float64) float64 {
	return 1 / (1 + math.Exp(-l.Slope*(x-l.Bias)))
}

// FitLogistic fits a Logistic by maximum likelihood to points: at evidence
// x[i], a fraction p[i] of n[i] trials chose "right" (n nil: one trial per
// point, weights equal). A tiny ridge penalty on the slope keeps the fit
// finite when the choices are perfectly separable (a step), where the true
// maximum likelihood slope is infinite.
//
// It returns an error for no points, lengths that differ, a NaN, infinite
// or out-of-[0, 1] p, a negative count, no trials at all, or evidence that
// does not vary.
func FitLogistic(x, p []float64, n []int) (Logistic, error) {
	if len(x) == 0 {
		return Logistic{}, fmt.Errorf("analysis: logistic fit: no points")
	}
	if len(p) != len(x) || (n != nil && len(n) != len(x)) {
		return Logistic{}, fmt.Errorf("analysis: logistic fit: %d x, %d p and %d n values: must be equal (n may be nil)", len(x), len(p), len(n))
	}
	w := make([]float64, len(x))
	total := 0.0
	for i := range x {
		if math.IsNaN(x[i]) || math.IsInf(x[i], 0) {
			return Logistic{}, fmt.Errorf("analysis: logistic fit: x[%d] = %v is not allowed: must be finite", i, x[i])
		}
		if !(p[i] >= 0 && p[i] <= 1) {
			return Logistic{}, fmt.Errorf("analysis: logistic fit: p[%d] = %v is not allowed: must be in [0, 1]", i, p[i])
		}
		w[i] = 1
		if n != nil {
			if n[i] < 0 {
				return Logistic{}, fmt.Errorf("analysis: logistic fit: n[%d] = %d is not allowed: must be ≥ 0", i, n[i])
			}
			w[i] = float64(n[i])
		}
		total += w[i]
	}
	if total == 0 {
		return Logistic{}, fmt.Errorf("analysis: logistic fit: no trials (every count is 0)")
	}
	// Centre and scale x so that the Newton steps are well conditioned.
	mean, sd := 0.0, 0.0
	for i := range x {
		mean += w[i] * x[i]
	}
	mean /= total
	for i := range x {
		sd += w[i] * (x[i] - mean) * (x[i] - mean)
	}
	sd = math.Sqrt(sd / total)
	if sd == 0 {
		return Logistic{}, fmt.Errorf("analysis: logistic fit: every point has evidence %v: need at least two levels", x[0])
	}
	// Model: logit = a + b·z, z = (x − mean)/sd. Newton on the penalised
	// log-likelihood L = Σ w[y log q + (1−y) log(1−q)] − λ b²/2.
	lambda := 1e-3 * total
	a, b := 0.0, 0.0
	for range 200 {
		var ga, gb, haa, hab, hbb float64
		for i := range x {
			z := (x[i] - mean) / sd
			q := 1 / (1 + math.Exp(-(a + b*z)))
			r := w[i] * (p[i] - q)
			ga += r
			gb += r * z
			v := w[i] * q * (1 - q)
			haa += v
			hab += v * z
			hbb += v * z * z
		}
		gb -= lambda * b
		hbb += lambda
		haa += 1e-12 * total // keeps the 2×2 system invertible at saturation
		det := haa*hbb - hab*hab
		da := (hbb*ga - hab*gb) / det
		db := (haa*gb - hab*ga) / det
		// Damp very long steps (saturated starts).
		if s := math.Hypot(da, db); s > 5 {
			da, db = da*5/s, db*5/s
		}
		a += da
		b += db
		if math.Abs(da) < 1e-10 && math.Abs(db) < 1e-10 {
			break
		}
	}
	if math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		return Logistic{}, fmt.Errorf("analysis: logistic fit did not converge")
	}
	if math.Abs(b) < 1e-8 {
		return Logistic{}, fmt.Errorf("analysis: logistic fit: choices do not depend on evidence (slope 0, bias undefined)")
	}
	slope := b / sd
	return Logistic{Bias: mean - a/b*sd, Slope: slope}, nil
}
