package main

import (
	"encoding/json"
	"testing"

	"github.com/dale-rnn/dale/tasks"
)

// TestConfigEveryTask: the default configuration resolves for every task,
// prints every section with its defaults written out, and what it prints
// resolves again to the same thing.
func TestConfigEveryTask(t *testing.T) {
	for _, name := range tasks.Names() {
		t.Run(name, func(t *testing.T) {
			code, out, errs := runCLI("config", "--task", name)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			var cfg map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out), &cfg); err != nil {
				t.Fatalf("output is not JSON: %v\n%s", err, out)
			}
			var model, tr, mk map[string]any
			json.Unmarshal(cfg["model"], &model)
			json.Unmarshal(cfg["train"], &tr)
			json.Unmarshal(cfg["mask"], &mk)
			for _, k := range []string{"dims", "activation", "dt", "tau", "preact_noise", "engine", "dtype", "ei_balance", "init_state"} {
				if _, ok := model[k]; !ok {
					t.Errorf("model lacks %q", k)
				}
			}
			for _, k := range []string{"steps", "batch_size", "optimizer", "clip_norm", "losses", "eval_every", "seed", "eval_seed"} {
				if _, ok := tr[k]; !ok {
					t.Errorf("train lacks %q", k)
				}
			}
			for _, k := range []string{"type", "dims", "n_areas", "exc_pct", "input_areas", "readout_areas", "inter_area_connections", "inh_readout", "seed"} {
				if _, ok := mk[k]; !ok {
					t.Errorf("mask lacks %q", k)
				}
			}
			rc, err := parseRunConfig([]byte(out), "printed")
			if err != nil {
				t.Fatal(err)
			}
			r, err := resolve(rc, "")
			if err != nil {
				t.Fatalf("printed config does not resolve: %v", err)
			}
			again, _ := marshalRunConfig(r.cfg)
			if string(again) != out {
				t.Errorf("printed config resolves to something else:\n%s\nvs\n%s", again, out)
			}
			want := []any{float64(tasks.Width(r.task.Inputs())), float64(64), float64(tasks.Width(r.task.Outputs()))}
			dims := model["dims"].([]any)
			for i := range want {
				if dims[i] != want[i] {
					t.Errorf("model.dims = %v, want %v", dims, want)
					break
				}
			}
		})
	}
}
