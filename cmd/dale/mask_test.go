package main

import (
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/npz"
)

const eiConfig = `{"type": "multi_area_ei", "seed": 3, "dims": [2, 40, 1], "n_areas": [25, 15],
  "area_connectivities": [0.2, 0.1], "input_areas": [0], "readout_areas": [1], "exc_pct": 0.8, "inh_readout": false}`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMaskCommand(t *testing.T) {
	dir := t.TempDir()
	cfg := writeFile(t, dir, "m.json", eiConfig)
	out := filepath.Join(dir, "masks.npz")
	figs := filepath.Join(dir, "figs")
	code, stdout, stderr := runCLI("mask", "--config", cfg, "--out", out, "--png", figs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"multi_area_ei mask, seed 3\n",
		"  dims:                   [2, 40, 1]\n",
		"  n_areas:                2\n",
		"  area_connectivities:    [[1, 0.1], [0.2, 1]]\n",
		"  input_areas:            [0]\n",
		"  exc_pct:                0.8\n",
		"  inter_area_connections: [true, true, true, true]\n",
		"  inh_readout:            false\n",
		"wrote " + out + " (input 2×40, hidden 40×40, readout 40×1)\n",
		"wrote " + filepath.Join(figs, "input.png") + ", " + filepath.Join(figs, "hidden.png") + ", " + filepath.Join(figs, "readout.png") + "\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	arrays, err := npz.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := npz.Names(arrays); !slices.Equal(got, []string{"area", "excitatory", "hidden", "input", "readout"}) {
		t.Errorf("archive holds %v", got)
	}
	if s := arrays["hidden"].Shape; !slices.Equal(s, []int{40, 40}) {
		t.Errorf("hidden shape %v", s)
	}
	f, err := os.Open(filepath.Join(figs, "hidden.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("hidden.png: %v", err)
	}

	// --seed overrides the config's seed: a different hidden mask, and the
	// same one as a config holding that seed.
	out2 := filepath.Join(dir, "seed9.npz")
	if code, stdout, stderr := runCLI("mask", "--config", cfg, "--out", out2, "--seed", "9"); code != 0 || !strings.Contains(stdout, "seed 9\n") {
		t.Fatalf("--seed 9: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	cfg9 := writeFile(t, dir, "m9.json", strings.Replace(eiConfig, `"seed": 3`, `"seed": 9`, 1))
	out3 := filepath.Join(dir, "config9.npz")
	if code, _, stderr := runCLI("mask", "--config", cfg9, "--out", out3); code != 0 {
		t.Fatalf("seed 9 config: %s", stderr)
	}
	a2, _ := npz.Read(out2)
	a3, _ := npz.Read(out3)
	h1, h2, h3 := arrays["hidden"].Data.([]float32), a2["hidden"].Data.([]float32), a3["hidden"].Data.([]float32)
	if slices.Equal(h1, h2) {
		t.Error("--seed 9 gave the same hidden mask as seed 3")
	}
	if !slices.Equal(h2, h3) {
		t.Error("--seed 9 and a config with seed 9 gave different masks")
	}
}

func TestMaskCommandErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", eiConfig)
	bad := writeFile(t, dir, "bad.json", `{"type": "multi_area_ei", "exc_pct": 1.5}`)
	unknown := writeFile(t, dir, "unknown.json", `{"type": "multi_area_ei", "exc_pc": 0.5}`)
	broken := writeFile(t, dir, "broken.json", `{"type": "multi_area_ei",`)
	out := filepath.Join(dir, "m.npz")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad value", []string{"--config", bad, "--out", out, "--png", filepath.Join(dir, "figs")},
			"dale mask: " + bad + ": mask: exc_pct = 1.5 is not allowed: must be in [0, 1]\n"},
		{"unknown key", []string{"--config", unknown, "--out", out},
			"dale mask: " + unknown + `: mask: unknown key "exc_pc" for type multi_area_ei; allowed: type, seed, dims, n_areas, area_connectivities, input_areas, readout_areas, exc_pct, inter_area_connections, inh_readout` + "\n"},
		{"broken JSON", []string{"--config", broken, "--out", out},
			"dale mask: " + broken + ": mask: the config is not valid JSON: it ends before its closing brace\n"},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.json"), "--out", out},
			"dale mask: cannot read --config: stat " + filepath.Join(dir, "nope.json") + ": no such file or directory\n"},
		{"folder as config", []string{"--config", dir, "--out", out},
			"dale mask: --config " + dir + " is a folder, not a JSON file\n"},
		{"no config", []string{"--out", out},
			`dale mask: --config is required: a JSON mask configuration, e.g. {"type": "multi_area_ei", "dims": [1, 100, 1]}` + "\n"},
		{"no out", []string{"--config", good},
			"dale mask: --out is required: the .npz file to write the masks to\n"},
		{"bad seed", []string{"--config", good, "--out", out, "--seed", "-4"},
			"dale mask: invalid value \"-4\" for flag -seed: parse error\n"},
		{"positional", []string{"--config", good, "--out", out, "extra"},
			"dale mask: unexpected argument \"extra\"; this command takes only flags (see --help)\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(append([]string{"mask"}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if stderr != tc.want {
				t.Errorf("stderr\n got  %q\n want %q", stderr, tc.want)
			}
			// (A flag the flag package cannot parse also prints the help.)
			if stdout != "" && tc.name != "bad seed" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			// A bad invocation writes nothing.
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("%s exists after a failed run", out)
			}
			if _, err := os.Stat(filepath.Join(dir, "figs")); !os.IsNotExist(err) {
				t.Error("figure folder exists after a failed run")
			}
		})
	}
}

func TestMaskHelp(t *testing.T) {
	code, stdout, _ := runCLI("mask", "--help")
	if code != 0 || !strings.Contains(stdout, "usage: dale mask --config m.json --out masks.npz [--png DIR] [--seed S]") || !strings.Contains(stdout, "-seed") {
		t.Errorf("exit %d, help:\n%s", code, stdout)
	}
}
