package figure

import (
	"fmt"
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
