package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckJSON(t *testing.T) {
	for _, c := range []struct {
		in, want string // want "" = accepted
	}{
		{`{"a": 1, "b": {"c": [1, {"d": 2}]}}`, ""},
		{`[1, 2, {"a": null}]`, ""},
		{`"x"`, ""},
		{`{"task": 1, "task": 2}`, `key "task" appears twice`},
		{`{"train": {"steps": 1, "steps": 2}}`, `key "train.steps" appears twice`},
		{`{"a": [{"k": 1}, {"k": 1, "k": 2}]}`, `key "a[1].k" appears twice`},
		{`{"a": 1} {"b": 2}`, "unexpected data after the JSON value"},
		{`{"a": 1}}`, "unexpected data after the JSON value"},
		{``, "no JSON value"},
		{`{"a": }`, "malformed JSON"},
		{`{"a": 1`, "malformed JSON"},
		{strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), "nested deeper"},
	} {
		err := CheckJSON([]byte(c.in))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%.40q: %v", c.in, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%.40q: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestErrorfParsesParts(t *testing.T) {
	for _, c := range []struct {
		msg                            string
		section, field, value, allowed string
	}{
		{"train: steps = -1 is not allowed: must be > 0", "train", "steps", "-1", "must be > 0"},
		{"curriculum[1].threshold = 2 is not allowed: in (0, 1]", "", "curriculum[1].threshold", "2", "in (0, 1]"},
		{`tasks: romo: timing.delay = "x" is not allowed: a duration`, "tasks: romo", "timing.delay", `"x"`, "a duration"},
	} {
		var e *Error
		if err := Errorf("%s", c.msg); !errors.As(err, &e) {
			t.Fatalf("%q: %T, want *Error", c.msg, err)
		}
		if e.Section != c.section || e.Field != c.field || e.Value != c.value || e.Allowed != c.allowed || e.Error() != c.msg {
			t.Errorf("%q parsed as %+v (%q)", c.msg, *e, e.Error())
		}
	}
	var e *Error
	if err := Errorf("train: step %d: something else", 3); errors.As(err, &e) || err.Error() != "train: step 3: something else" {
		t.Errorf("a message of another form: %T %v", err, err)
	}
	w := Within("train", "optimizer", Invalid("", "lr", -1.0, "must be > 0"))
	if w.Error() != "train: optimizer.lr = -1 is not allowed: must be > 0" {
		t.Errorf("Within: %v", w)
	}
}

func TestRejectDefaultZeros(t *testing.T) {
	type opts struct {
		Steps  int     `json:"steps"`
		Target float64 `json:"target"`
		Name   string  `json:"name,omitempty"`
		Clip   float64 `json:"clip_norm"`
	}
	defaults := opts{Steps: 1000, Target: 0, Name: "x", Clip: 1}
	for _, c := range []struct{ in, want string }{
		{`{"steps": 5, "target": 0}`, ""},
		{`{"steps": 0}`, "train: steps = 0 is not allowed: leave steps out for the default (1000) or give another value"},
		{`{"clip_norm": 0.0}`, "train: clip_norm = 0.0 is not allowed: leave clip_norm out for the default (1)"},
		{`{"name": ""}`, `train: name = "" is not allowed: leave name out for the default ("x")`},
		{`{"steps": null}`, "train: steps = null is not allowed"},
		{`[1]`, ""},
	} {
		err := RejectDefaultZeros("train", []byte(c.in), &defaults)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.in, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%s: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestExactKeys(t *testing.T) {
	type inner struct {
		Delay float64 `json:"delay"`
	}
	type cfg struct {
		Steps  int              `json:"steps"`
		Timing inner            `json:"timing"`
		List   []inner          `json:"list"`
		Raw    json.RawMessage  `json:"raw"`
		ByName map[string]inner `json:"by_name"`
	}
	for _, c := range []struct{ in, want string }{
		{`{"steps": 1, "timing": {"delay": 2}, "list": [{"delay": 1}], "raw": {"ANY": 1}, "by_name": {"a": {"delay": 1}}}`, ""},
		{`{"Steps": 1}`, `Steps = (a key) is not allowed: keys are spelled exactly; did you mean "steps"?`},
		{`{"steps": 1, "STEPS": 2}`, `STEPS = (a key)`},
		{`{"timing": {"Delay": 2}}`, `timing.Delay = (a key)`},
		{`{"list": [{}, {"DELAY": 1}]}`, `list[1].DELAY = (a key)`},
		{`{"by_name": {"x": {"dElay": 1}}}`, `by_name.x.dElay = (a key)`},
		{`{"unknown": 1}`, ""}, // the decoder's to report
	} {
		err := ExactKeys([]byte(c.in), cfg{})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.in, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%s: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestReadLimited(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(path, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		limit int64
		ok    bool
	}{{10, true}, {9, false}, {100, true}} {
		data, err := ReadLimited(path, c.limit)
		if c.ok && (err != nil || string(data) != "0123456789") {
			t.Errorf("limit %d: %q, %v", c.limit, data, err)
		}
		if !c.ok && !errors.Is(err, ErrTooLarge) {
			t.Errorf("limit %d: %v, want ErrTooLarge", c.limit, err)
		}
	}
	if _, err := ReadLimited(filepath.Join(t.TempDir(), "none"), 10); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
