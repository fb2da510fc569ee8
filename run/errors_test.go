package run

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/tasks"
)

// Invalid values come back as typed errors that name the field, the value
// and what is allowed: *ConfigError for the run's own fields, the section
// package's type (here *rnn.ConfigError) inside it.
func TestConfigErrorsAreTyped(t *testing.T) {
	romo := tasks.Spec{Name: "romo"}
	for _, c := range []struct {
		name  string
		cfg   Config
		field string
		value string
	}{
		{"hidden size", Config{Task: romo, HiddenSize: -3}, "hidden_size", "-3"},
		{"stage threshold", Config{Task: romo, Curriculum: []Stage{{Params: json.RawMessage(`{}`), Threshold: 2}}}, "curriculum[0].threshold", "2"},
		{"stage params", Config{Task: romo, Curriculum: []Stage{{Params: json.RawMessage(`[1]`), Threshold: 0.5}}}, "curriculum[0].params", "[1]"},
		{"target on a continuous task", Config{Task: tasks.Spec{Name: "sine"}, Train: json.RawMessage(`{"target_accuracy": 0.9}`)}, "train.target_accuracy", "0.9"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Resolve(c.cfg, "")
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != c.field || ce.Value != c.value || ce.Allowed == "" {
				t.Fatalf("error %v (%T), want a *ConfigError for %s = %s", err, err, c.field, c.value)
			}
		})
	}
	_, err := Resolve(Config{Task: romo, Model: json.RawMessage(`{"activation": "relu", "tau": 1}`)}, "")
	var re *rnn.ConfigError
	if !errors.As(err, &re) || re.Field != "model.tau[0]" && re.Field != "model.tau" {
		t.Errorf("model error %v (%T), want an *rnn.ConfigError for tau", err, err)
	}
	// Every section's errors are the one type, config.Error, and the run
	// names the field by its path in the run config.
	for _, c := range []struct {
		name, section, field, value string
		cfg                         Config
	}{
		{"train", "", "train.batch_size", "-2", Config{Task: romo, Train: json.RawMessage(`{"batch_size": -2}`)}},
		{"train zero", "", "train.eval_every", "0", Config{Task: romo, Train: json.RawMessage(`{"eval_every": 0}`)}},
		{"optimizer", "", "train.optimizer.beta1", "1", Config{Task: romo, Train: json.RawMessage(`{"optimizer": {"beta1": 1}}`)}},
		{"mask", "", "mask.exc_pct", "1.5", Config{Task: romo, Mask: json.RawMessage(`{"type": "multi_area_ei", "exc_pct": 1.5}`)}},
		{"task", "", "task.params.coherences", "[]", Config{Task: tasks.Spec{Name: "pdm", Params: json.RawMessage(`{"coherences": []}`)}}},
	} {
		_, err := Resolve(c.cfg, "")
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Field != c.field || ce.Value != c.value || ce.Section != c.section {
			t.Errorf("%s: error %v (%T %+v), want a *config.Error for %s = %s", c.name, err, err, ce, c.field, c.value)
		}
	}
	_, err = Recipe("nope")
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "task" {
		t.Errorf("recipe error %v (%T), want a *ConfigError for task", err, err)
	}
}
