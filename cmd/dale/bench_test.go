package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// dale bench --json prints one object per case with the promised fields.
func TestBenchJSON(t *testing.T) {
	code, out, errOut := runCLI("bench", "--case", "smoke", "--json", "--blas", "go")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 4 cases (fused/unrolled × masked/unmasked) and 2 mask-ops lines:\n%s", len(lines), out)
	}
	seen := map[string]bool{}
	maskOps := 0
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", l, err)
		}
		if m["name"] == "mask-ops" {
			maskOps++
			if _, ok := m["overhead_pct"].(float64); !ok {
				t.Errorf("mask-ops line %q lacks overhead_pct", l)
			}
			continue
		}
		for _, k := range []string{"name", "n", "batch", "steps", "engine", "masked", "blas", "ms_per_step", "gflops"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %q lacks %q", l, k)
			}
		}
		if m["blas"] != "go" || !(m["ms_per_step"].(float64) > 0) {
			t.Errorf("line %q: want blas go and a positive time", l)
		}
		seen[m["engine"].(string)+"/"+map[bool]string{true: "masked", false: "unmasked"}[m["masked"].(bool)]] = true
	}
	if maskOps != 2 {
		t.Errorf("%d mask-ops lines, want one per masked case (2)", maskOps)
	}
	if len(seen) != 4 {
		t.Errorf("cases measured: %v, want every engine × masking", seen)
	}
}

func TestBenchHumanOutput(t *testing.T) {
	code, out, errOut := runCLI("bench", "--case", "smoke", "--blas", "go")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"fused/unrolled (masked, go)", "masked/unmasked (fused, go)", "mask overhead", "ms/step", "BLAS"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--case", "Q"}, `--case = "Q" is not allowed: must be R, scaling, all or smoke`},
		{[]string{"--blas", "mkl"}, `--blas = "mkl" is not allowed`},
		{[]string{"--min-time", "0s"}, "--min-time = 0s is not allowed"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		code, _, errOut := runCLI(append([]string{"bench"}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("dale bench %v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
	code, out, _ := runCLI("bench", "--help")
	if code != 0 || !strings.Contains(out, "--case") {
		t.Errorf("dale bench --help: exit %d, output %q", code, out)
	}
}

func TestBenchFilters(t *testing.T) {
	code, out, errOut := runCLI("bench", "--case", "smoke", "--json", "--blas", "go", "--engine", "fused", "--masked", "true")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"engine":"fused"`) || !strings.Contains(lines[0], `"masked":true`) || !strings.Contains(lines[1], `"mask-ops"`) {
		t.Fatalf("want one fused masked case and its mask-ops line, got:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--engine", "lstm"}, `--engine = "lstm" is not allowed`},
		{[]string{"--masked", "yes"}, `--masked = "yes" is not allowed`},
		{[]string{"--case", "scaling", "--engine", "unrolled"}, "no case of --case scaling has --engine unrolled"},
	} {
		code, _, errOut := runCLI(append([]string{"bench"}, c.args...)...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("dale bench %v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

// DALE_BLAS=go makes the pure-Go BLAS the default of dale bench.
func TestBenchRespectsEnv(t *testing.T) {
	t.Setenv("DALE_BLAS", "go")
	code, out, errOut := runCLI("bench", "--case", "smoke", "--json", "--engine", "fused", "--masked", "true")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if strings.Contains(out, `"blas":"openblas"`) || !strings.Contains(out, `"blas":"go"`) {
		t.Fatalf("with DALE_BLAS=go the bench measured:\n%s", out)
	}
}
