package train

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/batch"
)

// scripted is a ScoreFunc that returns values[k] at its k-th call (the
// last value once they run out), whatever the outputs.
func scripted(values ...float64) ScoreFunc {
	k := 0
	return func([]*batch.Batch, [][]float32) (float64, error) {
		v := values[min(k, len(values)-1)]
		k++
		return v, nil
	}
}

// The early stop, the curriculum and best.npz follow the measure's
// direction, and a run without a target does all its steps.
func TestMeasureDirection(t *testing.T) {
	lower := Measure{Name: "nmse"}
	higher := Measure{Name: "r", HigherIsBetter: true}
	for _, tc := range []struct {
		name       string
		measure    Measure
		target     float64
		threshold  float64 // of stage 0 of two, when > 0
		status     Status
		steps      int
		stage      int
		bestStep   int
		bestValue  float64
		historyCol string
	}{
		{"lower, no target", lower, 0, 0, StepLimit, 15, 0, 10, 0.2, "eval_nmse"},
		{"higher, no target", higher, 0, 0, StepLimit, 15, 0, 5, 0.5, "eval_r"},
		{"lower, target reached", lower, 0.3, 0, Converged, 10, 0, 10, 0.2, "eval_nmse"},
		{"lower, target equalled", lower, 0.2, 0, Converged, 10, 0, 10, 0.2, "eval_nmse"},
		{"higher, target reached", higher, 0.45, 0, Converged, 5, 0, 5, 0.5, "eval_r"},
		{"lower, target never reached", lower, 0.1, 0, StepLimit, 15, 0, 10, 0.2, "eval_nmse"},
		{"higher, target never reached", higher, 0.6, 0, StepLimit, 15, 0, 5, 0.5, "eval_r"},
		// best.npz restarts with each stage: the best of stage 1 is the
		// only evaluation made in it, 0.4 at step 15.
		{"lower, stage threshold", lower, 0, 0.3, StepLimit, 15, 1, 15, 0.4, "eval_nmse"},
		{"higher, stage threshold", higher, 0, 0.45, StepLimit, 15, 1, 15, 0.4, "eval_r"},
		{"mse has no column of its own", Measure{Name: "mse"}, 0, 0, StepLimit, 15, 0, 10, 0.2, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			task := newSignTask(8)
			o := Options{Steps: 15, BatchSize: 4, EvalEvery: 5, EvalTrials: 8, Quiet: true, Recorders: RunFiles(dir),
				Score: scripted(0.5, 0.2, 0.4), Measure: tc.measure, Target: tc.target}
			if tc.threshold > 0 {
				o.Curriculum = []Stage{{Source: task, Threshold: tc.threshold}, {Source: task}}
			}
			res, err := Run(context.Background(), smallModel(t, 8, 1, nil), task, o)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != tc.status || res.Step != tc.steps || res.Stage != tc.stage {
				t.Errorf("status %v at step %d, stage %d; want %v at %d, stage %d", res.Status, res.Step, res.Stage, tc.status, tc.steps, tc.stage)
			}
			if b := res.Best; b == nil || b.Step != tc.bestStep || b.Value != tc.bestValue || b.Measure != tc.measure.Name || !math.IsNaN(b.Accuracy) {
				t.Errorf("best %+v, want step %d with %s %v", res.Best, tc.bestStep, tc.measure.Name, tc.bestValue)
			}
			h := readHistory(t, filepath.Join(dir, HistoryFile))
			header := strings.Join(h[0], ",")
			want := "step,stage,mse,total,grad_norm,lr,eval_mse,wall_s"
			if tc.historyCol != "" {
				want = "step,stage,mse,total,grad_norm,lr," + tc.historyCol + ",eval_mse,wall_s"
				if h[5][6] != "0.5" || h[4][6] != "" {
					t.Errorf("history rows 4, 5: %v, %v; want %s 0.5 at step 5 only", h[4], h[5], tc.historyCol)
				}
			}
			if header != want {
				t.Errorf("history header %s, want %s", header, want)
			}
			var s Summary
			readJSON(t, filepath.Join(dir, SummaryFile), &s)
			if s.Measure == nil || *s.Measure != tc.measure || s.Best == nil || s.Best.Value != tc.bestValue {
				t.Errorf("summary measure %v, best %+v", s.Measure, s.Best)
			}
		})
	}
}

// Targets and thresholds are checked against the measure.
func TestMeasureOptions(t *testing.T) {
	score := scripted(1)
	mse := Measure{Name: "mse"}
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"target_accuracy with another measure", Options{Score: score, Measure: mse, TargetAccuracy: 0.9}, `target_accuracy = 0.9 is not allowed: the run is scored by mse (lower is better), not accuracy; set target instead`},
		{"negative error target", Options{Score: score, Measure: mse, Target: -0.1}, `target = -0.1 is not allowed: the run is scored by mse (lower is better), so it must be >= 0`},
		{"accuracy target above 1", Options{Score: score, Target: 1.5}, `target = 1.5 is not allowed: the run is scored by accuracy, so it must be in [0, 1]`},
		{"NaN target", Options{Score: score, Measure: mse, Target: math.NaN()}, `target = NaN is not allowed: must be finite`},
		{"negative error threshold", Options{Score: score, Measure: mse, Curriculum: []Stage{{Source: newSignTask(8), Threshold: -1}}}, `curriculum[0].threshold = -1 is not allowed`},
		{"target without a score", Options{Target: 0.01}, "need a score: set Options.Score"},
		{"error target", Options{Score: score, Measure: mse, Target: 0.01}, ""},
		{"correlation target", Options{Score: score, Measure: Measure{Name: "r", HigherIsBetter: true}, Target: 0.95}, ""},
		{"target_accuracy with the default measure", Options{Score: score, TargetAccuracy: 0.9}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Steps, tc.opts.BatchSize, tc.opts.EvalEvery, tc.opts.EvalTrials, tc.opts.Quiet = 1, 4, 1, 4, true
			_, err := Run(context.Background(), smallModel(t, 8, 1, nil), newSignTask(8), tc.opts)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// Eval's JSON: NaN is null both ways, and an evaluation written before
// Eval had a measure reads as accuracy.
func TestEvalJSON(t *testing.T) {
	for _, tc := range []struct {
		in, measure string
		value, acc  float64
	}{
		{`{"step": 3, "trials": 8, "accuracy": null, "mse": 0.5, "measure": "nmse", "value": 0.25}`, "nmse", 0.25, math.NaN()},
		{`{"step": 3, "trials": 8, "accuracy": 0.75, "mse": 0.5}`, "accuracy", 0.75, 0.75},
		{`{"step": 3, "trials": 8, "accuracy": null, "mse": 0.5, "value": null}`, "", math.NaN(), math.NaN()},
	} {
		var e Eval
		if err := json.Unmarshal([]byte(tc.in), &e); err != nil {
			t.Fatal(err)
		}
		same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
		if e.Step != 3 || e.Trials != 8 || e.MSE != 0.5 || e.Measure != tc.measure || !same(e.Value, tc.value) || !same(e.Accuracy, tc.acc) {
			t.Errorf("%s read as %+v", tc.in, e)
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		var again Eval
		if err := json.Unmarshal(b, &again); err != nil || again.Measure != e.Measure || !same(again.Value, e.Value) || !same(again.Accuracy, e.Accuracy) {
			t.Errorf("%s does not round-trip: %s, %+v", tc.in, b, again)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
