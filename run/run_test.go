package run

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/tasks"
	"github.com/dale-rnn/dale/train"
)

// TestRecipes: every registered task has a recipe that names it, resolves,
// keeps an E/I network with Dale's law on, and leaves the task's own
// parameters (its full timing) as the last curriculum stage.
func TestRecipes(t *testing.T) {
	for _, name := range tasks.Names() {
		t.Run(name, func(t *testing.T) {
			rc, err := Recipe(name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Resolve(rc, "")
			if err != nil {
				t.Fatalf("recipe does not resolve: %v", err)
			}
			if r.Mask == nil {
				t.Fatal("recipe has no mask")
			}
			m, err := rnn.New(r.Model, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !m.Dale() {
				t.Error("recipe trains without Dale's law")
			}
			def, _ := tasks.New(name, nil)
			if got, want := string(r.Task.Spec().Params), string(def.Spec().Params); got != want {
				t.Errorf("recipe changes the task's parameters:\n%s\nwant the defaults\n%s", got, want)
			}
			if n := len(r.Stages); n > 0 {
				cur := r.Train.Curriculum
				if len(cur) != n+1 || cur[n].Source != r.Task {
					t.Errorf("curriculum has %d train stages for %d recipe stages; the last must be the task", len(cur), n)
				}
			}
		})
	}
	if _, err := Recipe("nope"); err == nil || !strings.Contains(err.Error(), `task = "nope" is not allowed`) {
		t.Errorf("unknown recipe: %v", err)
	}
}

// TestRecipesLearn trains each recipe for a few dozen steps (a small
// network, so it takes seconds) and checks that the loss falls and that the
// trained network beats the best constant output (per channel, the
// mask-weighted mean target) on fresh trials. It keeps recipes from rotting;
// benchmarks/tasks.sh checks that they reach their targets.
func TestRecipesLearn(t *testing.T) {
	for _, name := range tasks.Names() {
		t.Run(name, func(t *testing.T) {
			rc, err := Recipe(name)
			if err != nil {
				t.Fatal(err)
			}
			rc.HiddenSize = 32
			r, err := Resolve(rc, "")
			if err != nil {
				t.Fatal(err)
			}
			m, err := rnn.New(r.Model, nil)
			if err != nil {
				t.Fatal(err)
			}
			opts := r.Train
			opts.Steps, opts.EvalEvery, opts.Quiet, opts.BatchSize = 60, -1, true, 16
			opts.TargetAccuracy, opts.Target, opts.Curriculum = 0, 0, nil
			var losses []float64
			opts.Recorders = []train.Recorder{train.RecorderFunc(func(rec train.Record) error {
				losses = append(losses, rec.Total)
				return nil
			})}
			src := r.Task
			if len(r.Stages) > 0 {
				src = r.Stages[0] // the curriculum starts here
			}
			if _, err := train.Run(context.Background(), m, src, opts); err != nil {
				t.Fatal(err)
			}
			first, last := mean(losses[1:6]), mean(losses[len(losses)-5:])
			if !(last < first) {
				t.Errorf("loss did not fall: steps 2-6 %.4g, last 5 %.4g", first, last)
			}
			bs, err := train.EvalBatches(src, 99, 64, 64)
			if err != nil {
				t.Fatal(err)
			}
			b := bs[0]
			res, err := m.Forward(b.Inputs, b.Size, b.Steps)
			if err != nil {
				t.Fatal(err)
			}
			net, constant := maskedMSE(b.Targets, b.Mask, res.Outputs, b.Out)
			t.Logf("loss %.4g → %.4g; eval MSE %.4g, best constant %.4g", first, last, net, constant)
			// Yang's tasks hold a constant target (fixation, a flat ring)
			// most of the trial: 60 steps at their learning rate of 1e-3
			// only start to beat the best constant; their learning is
			// measured by benchmarks/yang20.sh.
			if !(net < constant) && !strings.HasPrefix(name, "yang") {
				t.Errorf("eval MSE %.4g is not below the best constant output's %.4g", net, constant)
			}
		})
	}
}

func mean(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// maskedMSE returns the mask-weighted MSE of out and of the best constant
// output per channel.
func maskedMSE(y, m, out []float32, channels int) (net, constant float64) {
	sum, wsum := make([]float64, channels), make([]float64, channels)
	for i := range y {
		c := i % channels
		sum[c] += float64(m[i] * y[i])
		wsum[c] += float64(m[i])
	}
	var w, en, ec float64
	for i := range y {
		c := i % channels
		k := 0.0
		if wsum[c] > 0 {
			k = sum[c] / wsum[c]
		}
		dn, dc := float64(out[i]-y[i]), k-float64(y[i])
		en += float64(m[i]) * dn * dn
		ec += float64(m[i]) * dc * dc
		w += float64(m[i])
	}
	return en / w, ec / w
}

// TestCurriculum: stages are the task with merged parameters, in order,
// then the task; bad stages are refused with the field named.
func TestCurriculum(t *testing.T) {
	rc := Config{Seed: 1, HiddenSize: 16, Task: tasks.Spec{Name: "romo"},
		Curriculum: []Stage{
			{Name: "no delay", Params: json.RawMessage(`{"timing": {"delay": 0}}`), Threshold: 0.9},
			{Params: json.RawMessage(`{"timing": {"delay": {"uniform": [400, 600]}}}`), Threshold: 0.8},
		}}
	r, err := Resolve(rc, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Stages) != 2 || len(r.Train.Curriculum) != 3 {
		t.Fatalf("%d stages, %d train stages; want 2 and 3", len(r.Stages), len(r.Train.Curriculum))
	}
	lengths := []int{}
	for _, task := range append(r.Stages, r.Task) {
		b, err := train.EvalBatches(task, 1, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		lengths = append(lengths, b[0].Steps)
	}
	// romo: fixation 500, f1 500, delay, f2 500, decision 300 at dt 10
	// (padded to the longest trial: delay 600 in stage 2).
	if want := []int{180, 240, 280}; lengths[0] != want[0] || lengths[1] != want[1] || lengths[2] != want[2] {
		t.Errorf("trial lengths %v, want %v", lengths, want)
	}
	cur := r.Train.Curriculum
	if cur[0].Name != "no delay" || cur[1].Name != "stage2" || cur[2].Name != "task" || cur[0].Threshold != 0.9 || cur[2].Threshold != 0 {
		t.Errorf("train stages %+v", cur)
	}
	// The resolved config keeps the stages and resolves to the same.
	again, err := Resolve(r.Config, "")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Marshal(r.Config)
	b, _ := Marshal(again.Config)
	if string(a) != string(b) {
		t.Errorf("resolved config does not round-trip:\n%s\n%s", a, b)
	}

	for _, c := range []struct {
		stage Stage
		want  string
	}{
		{Stage{Params: json.RawMessage(`{"timing": {"delay": 0}}`)}, "curriculum[0].threshold = 0 is not allowed"},
		{Stage{Params: json.RawMessage(`{"timing": {"delay": 0}}`), Threshold: 1.5}, "curriculum[0].threshold = 1.5 is not allowed"},
		{Stage{Threshold: 0.9}, "curriculum[0].params = (missing) is not allowed"},
		{Stage{Params: json.RawMessage(`[1]`), Threshold: 0.9}, "curriculum[0].params = [1] is not allowed"},
		{Stage{Params: json.RawMessage(`{"timing": {"delay": -5}}`), Threshold: 0.9}, "curriculum[0].params: "},
		{Stage{Params: json.RawMessage(`{"nope": 1}`), Threshold: 0.9}, "curriculum[0].params: "},
	} {
		rc := Config{Seed: 1, Task: tasks.Spec{Name: "romo"}, Curriculum: []Stage{c.stage}}
		_, err := Resolve(rc, "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("stage %+v: error %v, want %q", c.stage, err, c.want)
		}
	}
}

// TestHiddenSizeOnce: the resolved config says the size once; changing
// hidden_size alone resizes model and mask.
func TestHiddenSizeOnce(t *testing.T) {
	r, err := Resolve(Default(), "")
	if err != nil {
		t.Fatal(err)
	}
	out, _ := Marshal(r.Config)
	if strings.Contains(string(out), `"dims"`) {
		t.Errorf("resolved config repeats dims:\n%s", out)
	}
	rc, err := Parse(out, "resolved")
	if err != nil {
		t.Fatal(err)
	}
	rc.HiddenSize = 40
	r, err = Resolve(rc, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Model.Dims[1] != 40 || len(hiddenMask(r)) != 40*40 {
		t.Errorf("hidden_size 40 gives model dims %v and a hidden mask of %d entries", r.Model.Dims, len(hiddenMask(r)))
	}
}

func hiddenMask(r *Resolved) []float32 {
	_, h, _ := r.Mask.Masks()
	return h.Data
}
