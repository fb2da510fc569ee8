package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dale-rnn/dale/internal/numpytest"
	"github.com/dale-rnn/dale/npz"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// daleBinary builds the dale command once per test binary.
func daleBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "dale-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "dale")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, binPath)
	}
	return binPath
}

type result struct {
	code           int
	stdout, stderr string
}

func runBin(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(daleBinary(t), args...)
	cmd.Dir = dir
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// shortRun is a small, fast run configuration.
const shortRun = `{
  "seed": 7,
  "hidden_size": 32,
  "task": {"name": "pdm", "params": {"timing": {"fixation": 100, "stimulus": 300, "decision": 300}}},
  "mask": {"type": "multi_area_ei", "n_areas": 2, "area_connectivities": [0.3, 0.1]},
  "model": {"activation": "relu", "preact_noise": 0.05},
  "train": {"steps": 40, "batch_size": 16, "eval_every": 20, "eval_trials": 64,
            "optimizer": {"lr": 0.01}, "checkpoint_every": 20}
}`

func TestEndToEnd(t *testing.T) {
	work := t.TempDir()
	cfg := filepath.Join(work, "run.json")
	if err := os.WriteFile(cfg, []byte(shortRun), 0o644); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(work, "run")
	r := runBin(t, work, "train", "--config", cfg, "--out", run, "--quiet")
	if r.code != 0 {
		t.Fatalf("train exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{"config.json", "last.npz", "best.npz", "history.csv", "metrics.json", "summary.json"} {
		if _, err := os.Stat(filepath.Join(run, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}
	wantFigs := []string{"loss.png", "accuracy.png", "psychometric.png", "mask_input.png", "mask_hidden.png",
		"mask_readout.png", "weights_input.png", "weights_hidden.png", "weights_readout.png", "weights_hist.png",
		"spectrum.png", "trials.png", "pca.png"}
	for _, f := range wantFigs {
		checkPNG(t, filepath.Join(run, "figures", f))
	}
	for _, f := range []string{"last.npz", "best.npz"} {
		arrays, err := npz.Read(filepath.Join(run, f))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, k := range []string{"w_in", "w_rec", "w_out", "mask_rec", "w_rec_eff", "config_json"} {
			if _, ok := arrays[k]; !ok {
				t.Errorf("%s lacks %s", f, k)
			}
		}
	}
	var mt struct {
		Accuracy    *float64 `json:"accuracy"`
		Trials      int      `json:"trials"`
		ByCondition []struct {
			Condition string   `json:"condition"`
			Value     float64  `json:"value"`
			Accuracy  *float64 `json:"accuracy"`
		} `json:"by_condition"`
	}
	b, err := os.ReadFile(filepath.Join(run, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &mt); err != nil {
		t.Fatal(err)
	}
	if mt.Accuracy == nil || *mt.Accuracy < 0 || *mt.Accuracy > 1 || mt.Trials != 64 {
		t.Fatalf("metrics.json: accuracy %v over %d trials, want a fraction over all 64 evaluation trials", mt.Accuracy, mt.Trials)
	}
	coh := 0
	for _, c := range mt.ByCondition {
		if c.Condition == "coherence" && c.Accuracy != nil {
			coh++
		}
	}
	if coh != 5 {
		t.Fatalf("metrics.json has accuracy for %d coherences, want 5: %s", coh, b)
	}
	// The resolved config trains the same run again.
	r2 := runBin(t, work, "config", "--config", filepath.Join(run, "config.json"))
	if r2.code != 0 || !strings.Contains(r2.stdout, `"multi_area_ei"`) {
		t.Fatalf("config of a run's config.json: exit %d, %s %s", r2.code, r2.stdout, r2.stderr)
	}

	// eval on fresh trials
	r = runBin(t, work, "eval", "--run", run, "--trials", "50")
	if r.code != 0 || !strings.Contains(r.stdout, "on 50 fresh trials") {
		t.Fatalf("eval: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	checkPNG(t, filepath.Join(run, "eval", "seed9-best-psychometric.png"))

	// export
	states := filepath.Join(work, "states.npz")
	r = runBin(t, work, "export", "--run", run, "--out", states, "--trials", "20")
	if r.code != 0 {
		t.Fatalf("export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	arrays, err := npz.Read(states)
	if err != nil {
		t.Fatal(err)
	}
	rates := arrays["rates"]
	if len(rates.Shape) != 3 || rates.Shape[0] != 20 || rates.Shape[2] != 32 {
		t.Fatalf("rates shape %v, want [20, T, 32]", rates.Shape)
	}
	for _, k := range []string{"inputs", "outputs", "targets", "loss_mask", "cond_coherence", "choice"} {
		if _, ok := arrays[k]; !ok {
			t.Errorf("export lacks %s", k)
		}
	}
	// numpy reads the checkpoint and the export.
	if _, err := exec.LookPath("python3"); err == nil {
		numpytest.Python(t)
		out := numpytest.Run(t, `
import sys, json, numpy as np
s = np.load(sys.argv[1]); c = np.load(sys.argv[2])
cfg = json.loads(bytes(c["config_json"]).decode())
print(s["rates"].shape, s["outputs"].dtype, c["w_rec_eff"].shape, cfg["dims"])
`, states, filepath.Join(run, "best.npz"))
		want := fmt.Sprintf("(20, %d, 32) float32 (32, 32) [3, 32, 3]", rates.Shape[1])
		if !strings.Contains(out, want) {
			t.Errorf("numpy says %q", out)
		}
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Errorf("missing figure %s", filepath.Base(path))
		return
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Errorf("%s does not decode: %v", filepath.Base(path), err)
		return
	}
	if notBlank(img) < 0.01 {
		t.Errorf("%s is blank", filepath.Base(path))
	}
}

// notBlank is the fraction of pixels that are not the most common colour.
func notBlank(img image.Image) float64 {
	counts := map[[4]uint32]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			counts[[4]uint32{r, g, bl, a}]++
		}
	}
	total, top := 0, 0
	for _, c := range counts {
		total += c
		top = max(top, c)
	}
	return float64(total-top) / float64(total)
}

// TestBadInvocations checks that each bad invocation exits 2 with one line on
// stderr and writes nothing.
func TestBadInvocations(t *testing.T) {
	work := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(work, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	malformed := write("malformed.json", `{"task": {"name": "pdm"`)
	unknownKey := write("unknown.json", `{"task": {"name": "pdm"}, "learning_rate": 1}`)
	unknownModelKey := write("unknownmodel.json", `{"task": {"name": "pdm"}, "model": {"hidden": 5}}`)
	badTask := write("badtask.json", `{"task": {"name": "nope"}}`)
	badDims := write("baddims.json", `{"task": {"name": "pdm"}, "model": {"dims": [2, 16, 3]}}`)
	badAct := write("badact.json", `{"task": {"name": "pdm"}, "model": {"activation": "gelu"}}`)
	badExc := write("badexc.json", `{"task": {"name": "pdm"}, "mask": {"type": "multi_area_ei", "exc_pct": 1.5}}`)
	badLR := write("badlr.json", `{"task": {"name": "pdm"}, "train": {"optimizer": {"lr": -1}}}`)
	badLoss := write("badloss.json", `{"task": {"name": "pdm"}, "train": {"losses": [{"type": "hinge"}]}}`)
	badParam := write("badparam.json", `{"task": {"name": "pdm", "params": {"coherence": [1]}}}`)
	// A mask file of the wrong shape (2×16 for a 3-input task).
	wrongMask := filepath.Join(work, "wrong.npz")
	if err := npz.Write(wrongMask,
		npz.Array{Name: "input", Shape: []int{2, 16}, Data: make([]float32, 32)},
		npz.Array{Name: "hidden", Shape: []int{16, 16}, Data: make([]float32, 256)},
		npz.Array{Name: "readout", Shape: []int{16, 3}, Data: make([]float32, 48)},
	); err != nil {
		t.Fatal(err)
	}
	wrongMaskCfg := write("wrongmask.json", `{"task": {"name": "pdm"}, "hidden_size": 16, "model": {"masks": "wrong.npz"}}`)
	notRun := filepath.Join(work, "notarun")
	os.Mkdir(notRun, 0o755)
	nonEmpty := filepath.Join(work, "nonempty")
	os.Mkdir(nonEmpty, 0o755)
	os.WriteFile(filepath.Join(nonEmpty, "keep.txt"), []byte("x"), 0o644)

	out := filepath.Join(work, "out")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"train", "--frobnicate", "--out", out}, "flag provided but not defined"},
		{"missing config file", []string{"train", "--config", filepath.Join(work, "missing.json"), "--out", out}, "no such file"},
		{"malformed JSON", []string{"train", "--config", malformed, "--out", out}, "unexpected EOF"},
		{"unknown key", []string{"train", "--config", unknownKey, "--out", out}, `unknown field "learning_rate"`},
		{"unknown model key", []string{"train", "--config", unknownModelKey, "--out", out}, `unknown field "hidden"`},
		{"unknown task", []string{"train", "--config", badTask, "--out", out}, `"nope"`},
		{"unknown task flag", []string{"train", "--task", "nope", "--out", out}, `"nope"`},
		{"dims do not fit the task", []string{"train", "--config", badDims, "--out", out}, "model.dims = [2 16 3] does not fit"},
		{"bad activation", []string{"train", "--config", badAct, "--out", out}, "gelu"},
		{"bad exc_pct", []string{"train", "--config", badExc, "--out", out}, "exc_pct = 1.5"},
		{"negative learning rate", []string{"train", "--config", badLR, "--out", out}, "lr"},
		{"unknown loss", []string{"train", "--config", badLoss, "--out", out}, "hinge"},
		{"unknown task parameter", []string{"train", "--config", badParam, "--out", out}, "coherence"},
		{"wrong mask shape", []string{"train", "--config", wrongMaskCfg, "--out", out}, "input"},
		{"negative steps", []string{"train", "--steps", "-5", "--out", out}, "--steps = -5"},
		{"zero steps", []string{"train", "--steps", "0", "--out", out}, "--steps = 0"},
		{"bad seed", []string{"train", "--seed", "-1", "--out", out}, `--seed = "-1"`},
		{"stray argument", []string{"train", "now", "--out", out}, `unexpected argument "now"`},
		{"out not empty", []string{"train", "--out", nonEmpty}, "is not empty"},
		{"resume with config", []string{"train", "--resume", notRun, "--config", badAct}, "cannot be combined"},
		{"resume not a run", []string{"train", "--resume", notRun}, "not a run directory"},
		{"eval without run", []string{"eval"}, "--run is required"},
		{"eval not a run", []string{"eval", "--run", notRun}, "not a run directory"},
		{"eval bad trials", []string{"eval", "--run", notRun, "--trials", "0"}, "--trials = 0"},
		{"export without out", []string{"export", "--run", notRun}, "--out is required"},
		{"export not npz", []string{"export", "--run", notRun, "--out", filepath.Join(work, "x.csv")}, "must end in .npz"},
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"config unknown task", []string{"config", "--task", "nope"}, `"nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runBin(t, work, tc.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
			}
			if strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n") {
				t.Errorf("stderr is not one line: %q", r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", r.stderr, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created", out)
			}
			if e, _ := os.ReadDir(notRun); len(e) != 0 {
				t.Errorf("%s was written to", notRun)
			}
			if e, _ := os.ReadDir(nonEmpty); len(e) != 1 {
				t.Errorf("%s was written to", nonEmpty)
			}
		})
	}
}
