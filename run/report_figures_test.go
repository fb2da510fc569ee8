package run

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/tasks"
	"github.com/dale-rnn/dale/train"
)

func TestEvidenceAxis(t *testing.T) {
	for _, tc := range []struct{ evidence, label, unit string }{
		{"signed_coherence", "signed coherence (%)", "%"},
		{"signed_coherence2", "modality 2 signed coherence (%)", "%"},
		{"difference", "f1 − f2 (Hz)", "Hz"},
		{"some_thing", "some thing", ""},
	} {
		if label, unit := evidenceAxis(tc.evidence); label != tc.label || unit != tc.unit {
			t.Errorf("evidenceAxis(%q) = %q, %q; want %q, %q", tc.evidence, label, unit, tc.label, tc.unit)
		}
	}
}

func TestPsychometricYLabel(t *testing.T) {
	for name, want := range map[string]string{"ctxdm": "P(choose right)", "pdm": "P(choose right)", "romo": "P(choose greater)"} {
		task, err := tasks.New(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := psychometricYLabel(task); got != want {
			t.Errorf("%s: y label %q, want %q", name, got, want)
		}
	}
	if got := psychometricYLabel(nil); got != "P(choice 1)" {
		t.Errorf("no task: y label %q", got)
	}
}

func TestFitNotes(t *testing.T) {
	got := fitNotes(tasks.Probit{Bias: 1.5, Slope: 0.08, Converged: true}, "%", 500)
	if strings.Join(got, "; ") != "probit bias +1.5 %; probit slope 0.08 /%" {
		t.Errorf("converged fit notes %q", got)
	}
	if got := fitNotes(tasks.Probit{Bias: -1e9, Slope: 1e-12, Converged: true}, "Hz", 80); got[0] != "probit bias < -80 Hz (flat)" {
		t.Errorf("flat fit notes %q", got)
	}
	if got := fitNotes(tasks.Probit{Bias: 1, Slope: 2}, "%", 500); len(got) != 1 || got[0] != "probit fit: not converged" {
		t.Errorf("unconverged fit notes %q", got)
	}
	if got := wrapWords("the choices do not depend on the evidence (slope 0)", 20); len(got) != 3 || got[0] != "the choices do not" {
		t.Errorf("wrapWords = %q", got)
	}
}

// psychometricTestCurve is a curve with a converged fit.
func psychometricTestCurve(label, evidence string) tasks.Curve {
	c := tasks.Curve{Label: label, Evidence: evidence, Fit: tasks.Probit{Slope: 0.1, Converged: true}}
	for _, x := range []float64{-50, -15, -5, 5, 15, 50} {
		c.Points = append(c.Points, tasks.Point{X: x, Trials: 20, PChoice: 0.5 + x/120})
	}
	return c
}

func TestPsychometricLayout(t *testing.T) {
	var ctx []tasks.Curve
	for _, l := range []string{"context 1, modality 1", "context 1, modality 2", "context 2, modality 1", "context 2, modality 2"} {
		ctx = append(ctx, psychometricTestCurve(l, "signed_coherence"+l[len(l)-1:]))
	}
	ctxs, mods, at, ok := contextCurves(ctx)
	if !ok || len(ctxs) != 2 || len(mods) != 2 || at[[2]float64{2, 1}].Label != "context 2, modality 1" {
		t.Fatalf("contextCurves: %v %v %v", ctxs, mods, ok)
	}
	if _, _, _, ok := contextCurves(ctx[:3]); ok {
		t.Error("three of four context curves make a grid")
	}
	if _, _, _, ok := contextCurves([]tasks.Curve{psychometricTestCurve("all", "signed_coherence")}); ok {
		t.Error(`a curve labelled "all" makes a grid`)
	}
	if _, _, _, ok := contextCurves([]tasks.Curve{psychometricTestCurve("context 1, modality 1 extra", "x")}); ok {
		t.Error("a label with trailing text makes a grid")
	}
	ctxdm, err := tasks.New("ctxdm", nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		curves []tasks.Curve
		w, h   int
	}{
		{"grid", ctx, 1120, 840},
		{"one", []tasks.Curve{psychometricTestCurve("all", "signed_coherence")}, 700, 500},
	} {
		path := filepath.Join(dir, tc.name+".png")
		if err := PsychometricFigure(path, ctxdm, tc.curves); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != tc.w || cfg.Height != tc.h {
			t.Errorf("%s: %d×%d (%v), want %d×%d", tc.name, cfg.Width, cfg.Height, err, tc.w, tc.h)
		}
	}
	// No curve with points: no figure, no error.
	path := filepath.Join(dir, "none.png")
	if err := PsychometricFigure(path, ctxdm, []tasks.Curve{{Label: "all"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a figure was drawn without points")
	}
}

// TestPCAConditions checks that the table names a condition every task's
// trials have.
func TestPCAConditions(t *testing.T) {
	for _, name := range tasks.Names() {
		pc, ok := pcaConditions[name]
		if !ok {
			t.Errorf("pcaConditions has no entry for task %s", name)
			continue
		}
		task, err := tasks.New(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		// the trials a report draws: evaluation trials (a multitask's mix
		// every rule even where its training batches hold one)
		bs, err := train.EvalBatches(task, 1, 16, 16)
		if err != nil {
			t.Fatal(err)
		}
		b := bs[0]
		groups := pcaGroups(b, pc)
		n := 0
		for _, g := range groups {
			n += len(g.trials)
		}
		if pc.perTrial {
			if len(groups) != pcaPerTrial {
				t.Errorf("%s: %d single trials, want %d", name, len(groups), pcaPerTrial)
			}
			continue
		}
		if n != b.Size || len(groups) < 2 {
			t.Errorf("%s: condition %q groups %d of %d trials into %d groups", name, pc.name, n, b.Size, len(groups))
		}
		for i := 1; i < len(groups); i++ {
			if groups[i].value <= groups[i-1].value {
				t.Errorf("%s: groups not in increasing order: %v then %v", name, groups[i-1].value, groups[i].value)
			}
		}
	}
	// ctxdm colours by the cued modality's signed coherence.
	v, ok := pcaConditions["ctxdm"].value(map[string]float64{"context": 2, "signed_coherence1": 5, "signed_coherence2": -15})
	if !ok || v != -15 {
		t.Errorf("ctxdm condition = %v, %v; want -15", v, ok)
	}
}

func TestPCASegments(t *testing.T) {
	trial := func(delay int) batch.Trial {
		return batch.Trial{Steps: 10 + delay, Periods: []batch.Period{{Name: "stimulus", Start: 0, End: 5}, {Name: "delay", Start: 5, End: 5 + delay}, {Name: "decision", Start: 5 + delay, End: 10 + delay}}}
	}
	b := &batch.Batch{Size: 3, Steps: 20, Trials: []batch.Trial{trial(3), trial(7), trial(0)}}
	steps := func(i int) int { return b.Trials[i].Steps }
	segs := pcaSegments(b, []int{0, 1}, steps)
	if len(segs) != 3 || segs[1].length != 3 || segs[2].starts[0] != 8 || segs[2].starts[1] != 12 || segs[2].length != 5 {
		t.Errorf("segments of delays 3 and 7: %+v", segs)
	}
	// Different periods: aligned at the start, as long as the shortest.
	b.Trials[2].Periods = b.Trials[2].Periods[:1]
	segs = pcaSegments(b, []int{0, 2}, steps)
	if len(segs) != 1 || segs[0].name != "" || segs[0].length != 10 {
		t.Errorf("segments of trials with different periods: %+v", segs)
	}
	if got := pcaFaintTrials([]pcaGroup{{trials: []int{0, 1, 2}}, {trials: []int{3}}}); len(got) != 3 || got[2] != [2]int{0, 1} {
		t.Errorf("faint trials = %v", got)
	}
}
