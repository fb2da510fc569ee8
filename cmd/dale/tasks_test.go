package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/tasks"
)

func TestTasksCommand(t *testing.T) {
	code, stdout, stderr := runCLI("tasks")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	names := tasks.Names()
	if len(lines) != len(names) || len(names) < 11 {
		t.Fatalf("%d lines for %d tasks:\n%s", len(lines), len(names), stdout)
	}
	for i, n := range names {
		if !strings.HasPrefix(lines[i], n+" ") {
			t.Errorf("line %d %q does not start with %s", i, lines[i], n)
		}
	}
	for _, want := range []string{
		"in 3 (fixation, left, right)",
		"in 33 (fixation, ring×32)",
		"out 33 (fixation, ring×32)",
		"perceptual decision making",
		"in 7 (fixation, mod1×2, mod2×2, context×2)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, stderr = runCLI("tasks", "--show", "pdm")
	if code != 0 {
		t.Fatalf("--show pdm: exit %d: %s", code, stderr)
	}
	for _, want := range []string{`"coherences": [`, `"sigma": 0.53`, "decision   [  70,  100)     300 ms", "batches are padded to 100"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("--show pdm lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, _ = runCLI("tasks", "--json")
	var items []map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &items) != nil || len(items) != len(names) || items[1]["name"] != "pdm" {
		t.Errorf("--json: exit %d, %d items:\n%.300s", code, len(items), stdout)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"tasks", "--show", "nope"}, `task name "nope" is not allowed: must be one of sine, pdm,`},
		{[]string{"tasks", "extra"}, `unexpected argument "extra"`},
		{[]string{"tasks", "--bogus"}, "flag provided but not defined: -bogus"},
	} {
		code, _, stderr := runCLI(tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", tc.args, code, stderr, tc.want)
		}
	}
	if code, stdout, _ := runCLI("tasks", "--help"); code != 0 || !strings.Contains(stdout, "--show") {
		t.Errorf("--help: exit %d, %q", code, stdout)
	}
}
