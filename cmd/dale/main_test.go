package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs dale in-process and returns exit code, stdout and stderr.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &env{stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

func TestTopLevel(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		stdout   string
		stderr   string
		oneLine  bool
		noStdout bool
	}{
		{args: []string{"help"}, code: 0, stdout: "usage: dale <command>"},
		{args: []string{"--help"}, code: 0, stdout: "commands:"},
		{args: nil, code: 2, stdout: "usage: dale <command>"},
		{args: []string{"frobnicate"}, code: 2, stderr: `unknown command "frobnicate"`, oneLine: true},
		{args: []string{"train", "--help"}, code: 0, stdout: "usage: dale train"},
		{args: []string{"help", "train"}, code: 0, stdout: "usage: dale train"},
		{args: []string{"train", "--no-such-flag"}, code: 2, stderr: "flag provided but not defined: -no-such-flag", oneLine: true},
		{args: []string{"train", "extra"}, code: 2, stderr: `unexpected argument "extra"`, oneLine: true},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tc.code, errs)
			}
			if !strings.Contains(out, tc.stdout) {
				t.Errorf("stdout %q lacks %q", out, tc.stdout)
			}
			if !strings.Contains(errs, tc.stderr) {
				t.Errorf("stderr %q lacks %q", errs, tc.stderr)
			}
			if tc.oneLine && strings.Count(errs, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", errs)
			}
		})
	}
}

// TestEveryCommandHasHelp: --help works on every command, prints its usage
// to stdout and exits 0.
func TestEveryCommandHasHelp(t *testing.T) {
	if len(commands) < 7 {
		t.Fatalf("only %d commands registered: %v", len(commands), commandNames())
	}
	for _, name := range commandNames() {
		code, out, errs := runCLI(name, "--help")
		if code != 0 || !strings.Contains(out, "usage: dale "+name) || errs != "" {
			t.Errorf("%s --help: exit %d, stdout %q, stderr %q", name, code, out, errs)
		}
	}
}
