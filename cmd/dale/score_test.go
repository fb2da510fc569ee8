package main

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/rnn"
	drun "github.com/dale-rnn/dale/run"
	"github.com/dale-rnn/dale/tasks"
	"github.com/dale-rnn/dale/train"
)

// A target in the config is checked against the measure the task is
// judged by; --task drops the config's targets when the new task is
// judged by another measure, and keeps them otherwise.
func TestTargetsInConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, cfg, task string
		want            string // error substring; "" for none
		target, acc     float64
	}{
		{"target_accuracy on flipflop", `{"task": {"name": "flipflop"}, "train": {"target_accuracy": 0.9}}`, "",
			`train.target_accuracy = 0.9 is not allowed: task "flipflop" is judged by mse (lower is better), not accuracy; set train.target instead (flipflop's acceptance target: mse < 0.01)`, 0, 0},
		{"target_accuracy on rsg", `{"task": {"name": "rsg"}, "train": {"target_accuracy": 0.9}}`, "", `task "rsg" is judged by r (higher is better)`, 0, 0},
		{"mse target on flipflop", `{"task": {"name": "flipflop"}, "train": {"target": 0.01}}`, "", "", 0.01, 0},
		{"negative mse target", `{"task": {"name": "flipflop"}, "train": {"target": -0.01}}`, "", `target = -0.01 is not allowed: the run is scored by mse (lower is better), so it must be >= 0`, 0, 0},
		{"accuracy target above 1", `{"task": {"name": "pdm"}, "train": {"target": 2}}`, "", `target = 2 is not allowed: the run is scored by accuracy`, 0, 0},
		{"target_accuracy on pdm", `{"task": {"name": "pdm"}, "train": {"target_accuracy": 0.9}}`, "", "", 0, 0.9},
		{"--task to another measure drops it", `{"task": {"name": "pdm"}, "train": {"target_accuracy": 0.9}}`, "sine", "", 0, 0},
		{"--task to another measure drops target", `{"task": {"name": "flipflop"}, "train": {"target": 0.01}}`, "pdm", "", 0, 0},
		{"--task to the same measure keeps it", `{"task": {"name": "pdm"}, "train": {"target_accuracy": 0.9}}`, "romo", "", 0, 0.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
			if err := os.WriteFile(path, []byte(tc.cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"config", "--config", path}
			if tc.task != "" {
				args = append(args, "--task", tc.task)
			}
			code, out, errs := runCLI(args...)
			if tc.want != "" {
				if code == 0 || !strings.Contains(errs, tc.want) || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
					t.Fatalf("exit %d, stderr %q; want one line with %q", code, errs, tc.want)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var cfg struct {
				Train train.Options `json:"train"`
			}
			if err := json.Unmarshal([]byte(out), &cfg); err != nil {
				t.Fatal(err)
			}
			if cfg.Train.Target != tc.target || cfg.Train.TargetAccuracy != tc.acc {
				t.Errorf("target %v, target_accuracy %v; want %v, %v", cfg.Train.Target, cfg.Train.TargetAccuracy, tc.target, tc.acc)
			}
		})
	}
	// The default config (target_accuracy for pdm) trains any task.
	for _, name := range []string{"sine", "flipflop", "rsg"} {
		if code, _, errs := runCLI("config", "--task", name); code != 0 {
			t.Errorf("config --task %s: %s", name, errs)
		}
	}
}

// metrics.json always has the measures and the target; the closing line
// gives the task's own measure against its target.
func TestMetricsAndScoreText(t *testing.T) {
	for _, tc := range []struct {
		task    string
		scale   float32
		met     bool
		text    []string
		notText []string
	}{
		{"flipflop", 1, true, []string{"mse 0 (target < 0.01, met)", "bit_error 0", "bits_held 1"}, []string{"accuracy", "chance"}},
		{"flipflop", 0.5, false, []string{"mse 0.25 (target < 0.01, not met)"}, []string{"accuracy"}},
		{"rsg", 1, true, []string{"r 1 (target >= 0.95, met)", "timing_error 0"}, []string{"accuracy"}},
		{"pdm", 1, true, []string{"accuracy 1.000 (target >= 0.9, met; chance 0.50, ideal observer", "without a correct answer not scored"}, nil},
		{"gonogo", 0, false, []string{"accuracy 0.000 (target >= 0.95, not met; chance"}, nil},
	} {
		t.Run(tc.task, func(t *testing.T) {
			task, err := tasks.New(tc.task, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := task.Sample(rand.New(rand.NewPCG(1, 2)), 64)
			if err != nil {
				t.Fatal(err)
			}
			out := make([]float32, len(b.Targets))
			for i, v := range b.Targets {
				out[i] = tc.scale * v
			}
			ev, err := drun.Judge(task, b, &rnn.Result{Batch: b.Size, Steps: b.Steps, Outputs: out})
			if err != nil {
				t.Fatal(err)
			}
			mt := ev.Metrics(tc.task, "best.npz", 1)
			js, err := json.Marshal(mt)
			if err != nil {
				t.Fatal(err)
			}
			var back struct {
				Measures map[string]float64 `json:"measures"`
				Target   *struct {
					Measure string   `json:"measure"`
					Value   *float64 `json:"value"`
					Met     *bool    `json:"met"`
				} `json:"target"`
				Accuracy *float64 `json:"accuracy"`
			}
			if err := json.Unmarshal(js, &back); err != nil {
				t.Fatal(err)
			}
			tg := task.Target()
			if len(back.Measures) == 0 || back.Target == nil || back.Target.Measure != tg.Measure || back.Target.Value == nil || *back.Target.Value != tg.Value ||
				back.Target.Met == nil || *back.Target.Met != tc.met || (back.Accuracy != nil) != (tg.Measure == "accuracy") {
				t.Errorf("metrics.json %s", js)
			}
			text := scoreText(mt)
			for _, w := range tc.text {
				if !strings.Contains(text, w) {
					t.Errorf("score text %q lacks %q", text, w)
				}
			}
			for _, w := range tc.notText {
				if strings.Contains(text, w) {
					t.Errorf("score text %q has %q", text, w)
				}
			}
		})
	}
}
