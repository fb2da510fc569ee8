package main

import (
	"encoding/json"
	"fmt"
	"testing"

	drun "github.com/dale-rnn/dale/run"
	"github.com/dale-rnn/dale/tasks"
)

// TestConfigEveryTask: every task's recipe resolves, prints every section
// with its defaults written out and without derived dims, what it prints
// resolves again to the same thing, and hidden_size alone resizes it.
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
			for _, k := range []string{"activation", "tau", "preact_noise", "engine", "dtype", "ei_balance", "init_state", "readout_balance", "input_sign", "output_activation"} {
				if _, ok := model[k]; !ok {
					t.Errorf("model lacks %q", k)
				}
			}
			for _, k := range []string{"steps", "batch_size", "optimizer", "clip_norm", "losses", "eval_every", "seed", "eval_seed"} {
				if _, ok := tr[k]; !ok {
					t.Errorf("train lacks %q", k)
				}
			}
			for _, k := range []string{"type", "n_areas", "exc_pct", "input_areas", "readout_areas", "inter_area_connections", "inh_readout", "seed"} {
				if _, ok := mk[k]; !ok {
					t.Errorf("mask lacks %q", k)
				}
			}
			// Derived values are not repeated: hidden_size says the size once.
			for sec, m := range map[string]map[string]any{"model": model, "mask": mk} {
				for _, k := range []string{"dims", "dt"} {
					if _, ok := m[k]; ok {
						t.Errorf("%s.%s is printed; it is derived from the task and hidden_size", sec, k)
					}
				}
			}
			rc, err := drun.Parse([]byte(out), "printed")
			if err != nil {
				t.Fatal(err)
			}
			r, err := drun.Resolve(rc, "")
			if err != nil {
				t.Fatalf("printed config does not resolve: %v", err)
			}
			again, _ := drun.Marshal(r.Config)
			if string(again) != out {
				t.Errorf("printed config resolves to something else:\n%s\nvs\n%s", again, out)
			}
			in, outs := tasks.Width(r.Task.Inputs()), tasks.Width(r.Task.Outputs())
			// Changing hidden_size alone resizes the model and the mask.
			rc.HiddenSize = 24
			r, err = drun.Resolve(rc, "")
			if err != nil {
				t.Fatalf("hidden_size 24: %v", err)
			}
			want := fmt.Sprint([]int{in, 24, outs})
			if got := fmt.Sprint(r.Model.Dims); got != want {
				t.Errorf("hidden_size 24: model dims %s, want %s", got, want)
			}
			if r.Mask != nil {
				_, h, _ := r.Mask.Masks()
				if len(h.Data) != 24*24 {
					t.Errorf("hidden_size 24: hidden mask has %d entries, want %d", len(h.Data), 24*24)
				}
			}
		})
	}
}
