package tasks

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// The probit fit recovers a known bias and slope from synthetic choices.
func TestFitProbitRecovers(t *testing.T) {
	for _, tc := range []struct{ bias, slope float64 }{
		{3, 0.2}, {-0.5, 4}, {0, 0.05}, {10, -0.3},
	} {
		rng := rand.New(rand.NewPCG(17, 18))
		var x []float64
		var y []bool
		sigma := 1 / math.Abs(tc.slope)
		for k := -5; k <= 5; k++ {
			v := tc.bias + float64(k)*0.5*sigma
			p := distuv.UnitNormal.CDF(tc.slope * (v - tc.bias))
			for range 1000 {
				x = append(x, v)
				y = append(y, rng.Float64() < p)
			}
		}
		fit, err := FitProbit(x, y)
		if err != nil {
			t.Fatal(err)
		}
		// Standard errors here are about 0.03σ for the bias and 2 % of the
		// slope; allow about 4 of them.
		if !fit.Converged || math.Abs(fit.Bias-tc.bias) > 0.12*sigma || math.Abs(fit.Slope-tc.slope) > 0.08*math.Abs(tc.slope) {
			t.Errorf("true bias %v slope %v: fitted %+v", tc.bias, tc.slope, fit)
		}
		if math.Abs(fit.Sigma*fit.Slope-1) > 1e-12 {
			t.Errorf("sigma %v is not 1/slope", fit.Sigma)
		}
	}
	// Perfectly separated choices give a steep but finite fit.
	fit, err := FitProbit([]float64{-2, -1, 1, 2}, []bool{false, false, true, true})
	if err != nil || !(fit.Slope > 3) || math.IsInf(fit.Slope, 0) || math.Abs(fit.Bias) > 0.5 {
		t.Errorf("separated data: %+v, %v", fit, err)
	}
	if _, err := FitProbit([]float64{1, 1}, []bool{true, false}); err == nil {
		t.Error("one evidence value accepted")
	}
	if _, err := FitProbit([]float64{1, math.NaN()}, []bool{true, false}); err == nil {
		t.Error("NaN evidence accepted")
	}
	if _, err := FitProbit([]float64{1, 2}, []bool{true}); err == nil {
		t.Error("length mismatch accepted")
	}
}

// ctxdm: per context and modality, the cued modality's curve is steep and
// the other flat, for a synthetic observer that follows the cued
// modality's evidence with slope 0.1 per % coherence.
func TestPsychometricsCtxDM(t *testing.T) {
	task := mustNew(t, "ctxdm", "")
	b := sample(t, task, 9, 4000)
	rng := rand.New(rand.NewPCG(3, 4))
	out := policy(b, func(i int) int {
		c := b.Trials[i].Conditions
		s := c["signed_coherence1"]
		if c["context"] == 2 {
			s = c["signed_coherence2"]
		}
		if rng.Float64() < distuv.UnitNormal.CDF(0.1*s) {
			return 1
		}
		return 0
	}, false)
	sc, err := task.Score(b, out)
	if err != nil {
		t.Fatal(err)
	}
	curves, err := Psychometrics(task, b, sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(curves) != 4 {
		t.Fatalf("%d curves, want 4 (2 contexts × 2 modalities)", len(curves))
	}
	for _, c := range curves {
		relevant := strings.HasPrefix(c.Label, "context 1, modality 1") || strings.HasPrefix(c.Label, "context 2, modality 2")
		if len(c.Points) != 6 {
			t.Errorf("%s: %d evidence levels, want 6", c.Label, len(c.Points))
		}
		if relevant && math.Abs(c.Fit.Slope-0.1) > 0.025 {
			t.Errorf("%s (cued): slope %v, want about 0.1", c.Label, c.Fit.Slope)
		}
		if !relevant && math.Abs(c.Fit.Slope) > 0.01 {
			t.Errorf("%s (not cued): slope %v, want about 0", c.Label, c.Fit.Slope)
		}
	}
	// Tasks without graded evidence have no curve.
	dms := mustNew(t, "dms", "")
	db := sample(t, dms, 1, 4)
	ds, _ := dms.Score(db, db.Targets)
	if _, err := Psychometrics(dms, db, ds); err == nil {
		t.Error("dms psychometrics accepted")
	}
}

// pdm: P(right) rises with signed coherence, broken-fixation trials are
// left out, and the trials at 0 % coherence (no correct answer, not in the
// accuracy) give the curve a point at 0.
func TestPsychometricsPDM(t *testing.T) {
	task := mustNew(t, "pdm", "")
	b := sample(t, task, 2, 1000)
	out := policy(b, func(i int) int { return idealChoice(t, "pdm", b.Trials[i]) }, false)
	for s := 0; s < 20; s++ { // trial 0 breaks fixation
		out[b.At(0, s, 0, b.Out)] = 0
	}
	sc, err := task.Score(b, out)
	if err != nil {
		t.Fatal(err)
	}
	curves, err := Psychometrics(task, b, sc)
	if err != nil || len(curves) != 1 {
		t.Fatalf("%d curves, %v", len(curves), err)
	}
	c := curves[0]
	if c.Excluded != 1 || len(c.Points) != 11 || c.Points[0].PChoice != 0 || c.Points[10].PChoice != 1 || c.Evidence != "signed_coherence" {
		t.Errorf("curve %+v", c)
	}
	zeros := countZeroCoherence(b)
	if b.Trials[0].Conditions["coherence"] == 0 {
		zeros-- // trial 0 broke fixation
	}
	if len(c.Points) == 11 && (c.Points[5].X != 0 || c.Points[5].Trials != zeros || zeros == 0) {
		t.Errorf("point at 0 %% coherence %+v, want %d trials", c.Points[5], zeros)
	}
	if sc.NoAnswer == 0 || sc.Accuracy != 1-1/float64(sc.Trials-sc.NoAnswer) && b.Trials[0].Choice >= 0 {
		t.Errorf("accuracy %v over %d trials with an answer, want all right but the broken one", sc.Accuracy, sc.Trials-sc.NoAnswer)
	}
}

// counts builds choices with k[i] of n choice 1 at x[i].
func counts(xs []float64, n int, k []int) ([]float64, []bool) {
	var x []float64
	var y []bool
	for i, v := range xs {
		for j := range n {
			x = append(x, v)
			y = append(y, j < k[i])
		}
	}
	return x, y
}

// Fits the data do not support are reported as not converged, with the
// reason; good fits are converged with no reason.
func TestFitProbitDegenerate(t *testing.T) {
	xs := []float64{-50, -15, -5, 5, 15, 50}
	for _, tc := range []struct {
		name   string
		k      []int  // of 100 trials per x, choice 1
		reason string // "" for a converged fit
	}{
		{"graded", []int{2, 20, 40, 60, 80, 98}, ""},
		{"separated at 0", []int{0, 0, 0, 100, 100, 100}, ""},
		{"separated, falling", []int{100, 100, 100, 0, 0, 0}, ""},
		{"all choice 1 (ctxdm's constant choice)", []int{100, 100, 100, 100, 100, 100}, "constant (all choice 1)"},
		{"all choice 0", []int{0, 0, 0, 0, 0, 0}, "constant (all choice 0)"},
		{"flat", []int{49, 50, 50, 50, 50, 51}, "flat"},
		{"bias outside the range", []int{70, 75, 78, 80, 83, 90}, "outside the evidence range [-50, 50]"},
		{"one trial of a choice", []int{0, 0, 0, 0, 0, 1}, "flat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, y := counts(xs, 100, tc.k)
			fit, err := FitProbit(x, y)
			if err != nil {
				t.Fatal(err)
			}
			if fit.Converged != (tc.reason == "") || !strings.Contains(fit.Reason, tc.reason) || (tc.reason == "") != (fit.Reason == "") {
				t.Errorf("converged %v, reason %q; want reason %q (fit %+v)", fit.Converged, fit.Reason, tc.reason, fit)
			}
			for _, v := range []float64{fit.Bias, fit.Slope, fit.Sigma, fit.LogLik} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Errorf("non-finite value in %+v", fit)
				}
			}
		})
	}
}

// probitReason on hand-made fits: each rule of Probit's list.
func TestProbitReason(t *testing.T) {
	x, y := counts([]float64{-2, -1, 1, 2}, 10, []int{0, 0, 10, 10}) // separate between -1 and 1
	for _, tc := range []struct {
		name      string
		fit       Probit
		converged bool
		reason    string
	}{
		{"step where the choices separate", Probit{Bias: 0, Slope: 100}, true, ""},
		{"step at the edge of the gap", Probit{Bias: 1, Slope: 100}, true, ""},
		{"step between choices of one kind", Probit{Bias: 1.5, Slope: 100}, true, "step at x = 1.5"},
		{"falling step on rising data", Probit{Bias: 0, Slope: -100}, true, "step at x = 0"},
		{"not a step: gentle slope off the gap", Probit{Bias: 1.5, Slope: 1}, true, ""},
		{"iteration stopped", Probit{Bias: 0, Slope: 2}, false, "did not converge"},
		{"slope 0", Probit{Bias: math.NaN(), Slope: 0}, true, "slope 0"},
		{"infinite bias", Probit{Bias: math.Inf(1), Slope: 1}, true, "slope 0"},
		{"flat", Probit{Bias: 0, Slope: 0.01}, true, "flat"},
		{"bias beyond the data", Probit{Bias: -3, Slope: 0.5}, true, "bias -3 lies outside the evidence range [-2, 2]"},
		{"flat before outside", Probit{Bias: -3, Slope: 2}, true, "flat"},
		{"a good fit", Probit{Bias: 0, Slope: 1}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := probitReason(x, y, tc.fit, tc.converged); (tc.reason == "") != (got == "") || !strings.Contains(got, tc.reason) {
				t.Errorf("reason %q, want %q", got, tc.reason)
			}
		})
	}
	ones := make([]bool, len(y))
	for i := range ones {
		ones[i] = true
	}
	if got := probitReason(x, ones, Probit{Bias: 1e17, Slope: 1e-18}, true); !strings.Contains(got, "constant") {
		t.Errorf("constant choices: reason %q", got)
	}
}
