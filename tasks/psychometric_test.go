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

// pdm: P(right) rises with signed coherence and broken-fixation trials
// are left out.
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
	if c.Excluded != 1 || len(c.Points) != 10 || c.Points[0].PChoice != 0 || c.Points[9].PChoice != 1 || c.Evidence != "signed_coherence" {
		t.Errorf("curve %+v", c)
	}
}
