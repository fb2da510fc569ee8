package figure

import (
	"fmt"
	"image"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// trialsTestTrial builds a perceptual-decision trial: fixation input, two
// evidence inputs, two choice outputs with their targets.
func trialsTestTrial(coh float64, T int) Trial {
	fix := make([]float64, T)
	in1 := make([]float64, T)
	in2 := make([]float64, T)
	t1 := make([]float64, T)
	t2 := make([]float64, T)
	o1 := make([]float64, T)
	o2 := make([]float64, T)
	stim, dec := T/5, 3*T/4
	for t := range T {
		if t < dec {
			fix[t] = 1
		}
		if t >= stim && t < dec {
			in1[t] = 0.5 + coh/2 + 0.1*math.Sin(float64(t)*1.3)
			in2[t] = 0.5 - coh/2 + 0.1*math.Cos(float64(t)*0.7)
		}
		if t >= dec {
			if coh > 0 {
				t1[t] = 1
			} else {
				t2[t] = 1
			}
		}
		frac := 1 / (1 + math.Exp(-float64(t-dec)/2))
		o1[t] = t1[t]*frac*0.9 + 0.05
		o2[t] = t2[t]*frac*0.9 + 0.05
	}
	return Trial{
		Title:   fmt.Sprintf("coherence %+.2f", coh),
		Inputs:  []Trace{{Name: "fixation", Values: fix}, {Name: "evidence 1", Values: in1}, {Name: "evidence 2", Values: in2}},
		Targets: []Trace{{Name: "choice 1", Values: t1}, {Name: "choice 2", Values: t2}},
		Outputs: []Trace{{Name: "choice 1", Values: o1}, {Name: "choice 2", Values: o2}},
		Periods: []Period{{"fixation", 0, stim}, {"stimulus", stim, dec}, {"decision", dec, T}},
	}
}

func TestTrials(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trials.png")
	tp := TrialsPlot{Title: "Example trials", DT: 20, Trials: []Trial{trialsTestTrial(0.25, 60), trialsTestTrial(-0.05, 60), trialsTestTrial(0.5, 60)}}
	if err := Trials(path, tp); err != nil {
		t.Fatal(err)
	}
	panelTestPNG(t, path, 900, 3*240+40)
	panelTestKeep(t, path)

	// Many inputs share one legend entry; no periods; time in steps.
	ring := make([]Trace, 16)
	for k := range ring {
		v := make([]float64, 30)
		for i := range v {
			v[i] = math.Exp(math.Cos(float64(k)*2*math.Pi/16 - 1))
		}
		ring[k] = Trace{Name: fmt.Sprint(k), Values: v}
	}
	path = filepath.Join(dir, "trials_ring.png")
	if err := Trials(path, TrialsPlot{Trials: []Trial{{Inputs: ring, Outputs: ring[:2]}}, Width: 600, PanelHeight: 300}); err != nil {
		t.Fatal(err)
	}
	panelTestPNG(t, path, 600, 340)
	panelTestKeep(t, path)
}

func TestTrialsErrors(t *testing.T) {
	good := trialsTestTrial(0.1, 20)
	short := good
	short.Outputs = []Trace{{Name: "x", Values: make([]float64, 19)}}
	nan := good
	nan.Targets = []Trace{{Name: "x", Values: append(make([]float64, 19), math.NaN())}}
	badPeriod := good
	badPeriod.Periods = []Period{{"late", 15, 21}}
	emptyPeriod := good
	emptyPeriod.Periods = []Period{{"none", 5, 5}}
	for _, tc := range []struct {
		name string
		tp   TrialsPlot
		want string
	}{
		{"none", TrialsPlot{}, "no trial"},
		{"no traces", TrialsPlot{Trials: []Trial{{Title: "x"}}}, "no inputs"},
		{"no steps", TrialsPlot{Trials: []Trial{{Inputs: []Trace{{Name: "a", Values: nil}}}}}, "no values"},
		{"lengths", TrialsPlot{Trials: []Trial{good, short}}, "19 time steps"},
		{"nan", TrialsPlot{Trials: []Trial{nan}}, "NaN"},
		{"period", TrialsPlot{Trials: []Trial{badPeriod}}, "[15, 21)"},
		{"empty period", TrialsPlot{Trials: []Trial{emptyPeriod}}, "[5, 5)"},
		{"dt", TrialsPlot{DT: -1, Trials: []Trial{good}}, "DT = -1"},
		{"panel height", TrialsPlot{PanelHeight: 10, Trials: []Trial{good}}, "PanelHeight = 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := Trials(filepath.Join(dir, "t.png"), tc.tp)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}

// TestTrialsUnscored draws one target scored, not scored and half scored:
// its stretches that are not scored are grey, the others its colour.
func TestTrialsUnscored(t *testing.T) {
	const T = 80
	values := make([]float64, T)
	for i := range values {
		values[i] = math.Sin(float64(i) / 8)
	}
	draw := func(name string, scored func(t int) bool) (target, grey int) {
		flags := make([]bool, T)
		for i := range flags {
			flags[i] = scored(i)
		}
		path := filepath.Join(t.TempDir(), "trials_"+name+".png")
		tr := Trial{Targets: []Trace{{Name: "choice", Values: values, Scored: flags}}}
		if err := Trials(path, TrialsPlot{Trials: []Trial{tr}}); err != nil {
			t.Fatal(err)
		}
		panelTestKeep(t, path)
		img := pixelsTestDecode(t, path, 900, 280)
		// Inside the axes, away from the tick labels and the legend.
		data := image.Rect(120, 30, 600, 220)
		return pixelsTestCount(img, data, pixelsTestNear(trialsOutputColor(0, 1), 2)),
			pixelsTestCount(img, data, pixelsTestNear(TrialsUnscoredColor, 2))
	}
	sc, sg := draw("scored", func(int) bool { return true })
	uc, ug := draw("unscored", func(int) bool { return false })
	hc, hg := draw("half", func(t int) bool { return t >= T/2 })
	t.Logf("target colour / grey pixels: scored %d / %d, unscored %d / %d, half %d / %d", sc, sg, uc, ug, hc, hg)
	if sc < 200 || sg > 5 {
		t.Errorf("scored target: %d pixels of its colour (want ≥ 200), %d grey (want none)", sc, sg)
	}
	if uc > 5 || ug < 40 {
		t.Errorf("unscored target: %d pixels of its colour (want none), %d grey (want ≥ 40)", uc, ug)
	}
	if hc < sc/4 || hg < ug/4 || hc > sc*3/4 || hg > ug*3/4 {
		t.Errorf("half-scored target: %d coloured and %d grey pixels, want about half of %d and %d", hc, hg, sc, ug)
	}
}

func TestTrialsScoredErrors(t *testing.T) {
	good := trialsTestTrial(0.1, 20)
	onInput := good
	onInput.Inputs = []Trace{{Name: "x", Values: make([]float64, 20), Scored: make([]bool, 20)}}
	short := good
	short.Targets = []Trace{{Name: "x", Values: make([]float64, 20), Scored: make([]bool, 19)}}
	for _, tc := range []struct {
		name string
		tr   Trial
		want string
	}{
		{"input", onInput, "sets Scored: only targets may"},
		{"length", short, "19 Scored flags and 20 time steps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			err := Trials(filepath.Join(dir, "t.png"), TrialsPlot{Trials: []Trial{tc.tr}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			panelTestNothing(t, dir)
		})
	}
}
