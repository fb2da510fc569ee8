package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/npz"
)

// TestHostilePass is a hostile pass over the command line, kept as a
// regression suite: bad flags, configs, files and run directories, each of
// which must be refused with exit status 2 and one line naming what is
// wrong, writing nothing (the work directory holds afterwards exactly what
// the case put there).
func TestHostilePass(t *testing.T) {
	work := t.TempDir()
	good := trainedRun(t, work) // work/run, work/run.json
	write := func(name, s string) string {
		p := filepath.Join(work, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := func(s string) string { return write("c.json", s) }
	pdm := func(extra string) string { return cfg(`{"task": {"name": "pdm"}` + extra + `}`) }
	npy := func(name string, shape []int, data []float64) string {
		p := filepath.Join(work, name)
		if err := npz.WriteNPYFile(p, npz.Array{Shape: shape, Data: data}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	copyRun := func(name string) string {
		dst := filepath.Join(work, name)
		os.MkdirAll(dst, 0o755)
		for rel, b := range files(t, good) {
			os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755)
			os.WriteFile(filepath.Join(dst, rel), []byte(b), 0o644)
		}
		return dst
	}
	out := filepath.Join(work, "out")

	type hc struct {
		name string
		args func() []string
		want string
	}
	cases := []hc{
		// flags
		{"no such command", func() []string { return []string{"nope"} }, "unknown command"},
		{"steps 0", func() []string { return []string{"train", "--steps", "0", "--out", out} }, "--steps = 0 is not allowed"},
		{"steps negative", func() []string { return []string{"train", "--steps", "-5", "--out", out} }, "--steps = -5 is not allowed"},
		{"steps not a number", func() []string { return []string{"train", "--steps", "abc", "--out", out} }, "invalid value"},
		{"seed negative", func() []string { return []string{"train", "--seed", "-1", "--out", out} }, "--seed"},
		{"seed overflow", func() []string { return []string{"train", "--seed", "18446744073709551616", "--out", out} }, "--seed"},
		{"unknown task", func() []string { return []string{"train", "--task", "nope", "--out", out} }, "nope"},
		{"positional argument", func() []string { return []string{"train", "extra"} }, "unexpected argument"},
		{"missing config", func() []string { return []string{"train", "--config", filepath.Join(work, "none.json"), "--out", out} }, "none.json"},
		{"config is a directory", func() []string { return []string{"train", "--config", work, "--out", out} }, "config"},
		{"empty config", func() []string { return []string{"train", "--config", cfg(""), "--out", out} }, "config"},
		{"config with a BOM", func() []string {
			return []string{"train", "--config", cfg("\ufeff{\"task\": {\"name\": \"pdm\"}}"), "--out", out}
		}, "config"},
		{"config an array", func() []string { return []string{"train", "--config", cfg(`[]`), "--out", out} }, "config"},
		{"config null", func() []string { return []string{"train", "--config", cfg(`null`), "--out", out} }, "task.name is missing"},
		{"config NaN", func() []string { return []string{"train", "--config", pdm(`, "seed": NaN`), "--out", out} }, "malformed JSON"},
		{"config deeply nested", func() []string {
			return []string{"train", "--config", cfg(`{"task": {"name": "pdm"}, "x": ` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`), "--out", out}
		}, "nested deeper"},
		{"out is a file", func() []string { return []string{"train", "--out", write("afile", "x")} }, "afile"},
		{"out not empty", func() []string { write("full/x", "x"); return []string{"train", "--out", filepath.Join(work, "full")} }, "is not empty"},
		{"resume missing", func() []string { return []string{"train", "--resume", filepath.Join(work, "nothere")} }, "nothere"},
		{"resume with task", func() []string { return []string{"train", "--resume", good, "--task", "pdm"} }, "cannot be combined"},
		{"resume not a run", func() []string { return []string{"train", "--resume", work} }, "is not a run directory"},
		{"resume garbage config", func() []string {
			d := copyRun("g1")
			write("g1/config.json", "{")
			return []string{"train", "--resume", d}
		}, "config.json"},
		{"resume without last.npz", func() []string {
			d := copyRun("g2")
			os.Remove(filepath.Join(d, "last.npz"))
			return []string{"train", "--resume", d}
		}, "no last.npz"},
		{"resume, last.npz is a directory", func() []string {
			d := copyRun("g3")
			os.Remove(filepath.Join(d, "last.npz"))
			os.Mkdir(filepath.Join(d, "last.npz"), 0o755)
			return []string{"train", "--resume", d, "--steps", "80"}
		}, "last.npz"},
		{"resume, empty last.npz", func() []string {
			d := copyRun("g4")
			write("g4/last.npz", "")
			return []string{"train", "--resume", d, "--steps", "80"}
		}, "last.npz"},

		// config values
		{"hidden_size negative", func() []string { return []string{"train", "--config", pdm(`, "hidden_size": -1`), "--out", out} }, "hidden_size = -1 is not allowed"},
		{"hidden_size fractional", func() []string { return []string{"train", "--config", pdm(`, "hidden_size": 1.5`), "--out", out} }, "hidden_size"},
		{"hidden_size a string", func() []string { return []string{"train", "--config", pdm(`, "hidden_size": "10"`), "--out", out} }, "hidden_size"},
		{"seed negative in JSON", func() []string { return []string{"train", "--config", pdm(`, "seed": -1`), "--out", out} }, "seed"},
		{"task name empty", func() []string { return []string{"train", "--config", cfg(`{"task": {"name": ""}}`), "--out", out} }, "task.name is missing"},
		{"task param unknown", func() []string {
			return []string{"train", "--config", cfg(`{"task": {"name": "pdm", "params": {"cohrences": [1]}}}`), "--out", out}
		}, "cohrences"},
		{"coherence too large", func() []string {
			return []string{"train", "--config", cfg(`{"task": {"name": "pdm", "params": {"coherences": [1e308]}}}`), "--out", out}
		}, "coherences"},
		{"negative duration", func() []string {
			return []string{"train", "--config", cfg(`{"task": {"name": "pdm", "params": {"timing": {"stimulus": -100}}}}`), "--out", out}
		}, "stimulus"},
		{"dt zero", func() []string {
			return []string{"train", "--config", cfg(`{"task": {"name": "pdm", "params": {"dt": 0}}}`), "--out", out}
		}, "dt"},
		{"tau zero", func() []string { return []string{"train", "--config", pdm(`, "model": {"tau": 0}`), "--out", out} }, "model.tau"},
		{"activation unknown", func() []string {
			return []string{"train", "--config", pdm(`, "model": {"activation": "gelu"}`), "--out", out}
		}, "gelu"},
		{"weights file missing", func() []string {
			return []string{"train", "--config", pdm(`, "model": {"weights": "missing.npy"}`), "--out", out}
		}, "missing.npy"},
		{"weights of the wrong shape", func() []string {
			npy("w.npy", []int{2, 2}, []float64{1, 2, 3, 4})
			return []string{"train", "--config", pdm(`, "model": {"weights": ["w.npy", "uniform", "uniform"]}`), "--out", out}
		}, "w.npy"},
		{"masks file missing", func() []string {
			return []string{"train", "--config", pdm(`, "model": {"masks": "m.npz"}`), "--out", out}
		}, "m.npz"},
		{"model dims mismatch", func() []string {
			return []string{"train", "--config", pdm(`, "model": {"dims": [9, 100, 9]}`), "--out", out}
		}, "model.dims"},
		{"model dt differs", func() []string { return []string{"train", "--config", pdm(`, "model": {"dt": 7}`), "--out", out} }, "model.dt"},
		{"mask type unknown", func() []string { return []string{"train", "--config", pdm(`, "mask": {"type": "grid"}`), "--out", out} }, "grid"},
		{"exc_pct 1.5", func() []string {
			return []string{"train", "--config", pdm(`, "mask": {"type": "multi_area_ei", "exc_pct": 1.5}`), "--out", out}
		}, "exc_pct"},
		{"n_areas 0", func() []string {
			return []string{"train", "--config", pdm(`, "mask": {"type": "multi_area_ei", "n_areas": 0}`), "--out", out}
		}, "n_areas"},
		{"mask and masks file", func() []string {
			return []string{"train", "--config", pdm(`, "mask": {"type": "multi_area_ei"}, "model": {"masks": "m.npz"}`), "--out", out}
		}, "both set"},
		{"optimizer unknown", func() []string {
			return []string{"train", "--config", pdm(`, "train": {"optimizer": {"type": "adagrad"}}`), "--out", out}
		}, "adagrad"},
		{"lr negative", func() []string {
			return []string{"train", "--config", pdm(`, "train": {"optimizer": {"lr": -1}}`), "--out", out}
		}, "optimizer.lr"},
		{"lr overflows", func() []string {
			return []string{"train", "--config", pdm(`, "train": {"optimizer": {"lr": 1e999}}`), "--out", out}
		}, "lr"},
		{"target above 1", func() []string {
			return []string{"train", "--config", pdm(`, "train": {"target_accuracy": 2}`), "--out", out}
		}, "target_accuracy"},
		{"threshold 0", func() []string {
			return []string{"train", "--config", pdm(`, "curriculum": [{"params": {}, "threshold": 0}]`), "--out", out}
		}, "curriculum[0].threshold"},
		{"curriculum changes dt", func() []string {
			return []string{"train", "--config", pdm(`, "curriculum": [{"params": {"dt": 20}, "threshold": 0.5}]`), "--out", out}
		}, "curriculum[0].params"},
		{"batch_size 5e6", func() []string {
			return []string{"train", "--config", pdm(`, "train": {"batch_size": 5000000}`), "--out", out}
		}, "train.batch_size = 5000000 is not allowed: the run would need about"},
		{"eval_trials 5e6", func() []string {
			return []string{"train", "--config", pdm(`, "train": {"eval_trials": 5000000}`), "--out", out}
		}, "train.eval_trials = 5000000 is not allowed: the run would need about"},
		{"a 1e7 ms period", func() []string {
			return []string{"train", "--config", cfg(`{"task": {"name": "pdm", "params": {"timing": {"stimulus": 1e7}}}}`), "--out", out}
		}, "task.params.timing = trials of up to"},
		{"a key in another case", func() []string { return []string{"train", "--config", pdm(`, "Seed": 3`), "--out", out} }, `did you mean "seed"`},
		{"a train key twice in two cases", func() []string {
			return []string{"train", "--config", pdm(`, "train": {"steps": 3, "STEPS": 4}`), "--out", out}
		}, "train.STEPS"},
		{"a task parameter in another case", func() []string {
			return []string{"train", "--config", cfg(`{"task": {"name": "pdm", "params": {"timing": {"Stimulus": 5}}}}`), "--out", out}
		}, "task.params.timing.Stimulus"},
		{"a loss key in another case", func() []string {
			return []string{"train", "--config", pdm(`, "train": {"losses": [{"type": "mse", "Lambda": 2}]}`), "--out", out}
		}, "Lambda"},
		{"losses not a list", func() []string {
			return []string{"train", "--config", pdm(`, "train": {"losses": {"type": "mse"}}`), "--out", out}
		}, "losses"},
		{"unknown section", func() []string { return []string{"train", "--config", pdm(`, "trian": {}`), "--out", out} }, "trian"},
		{"config too large", func() []string {
			return []string{"train", "--config", cfg(`{"task": {"name": "pdm"}, "curriculum": [], "x": "` + strings.Repeat("a", 70<<20) + `"}`), "--out", out}
		}, "larger than 64 MiB"},

		// eval and export
		{"eval without --run", func() []string { return []string{"eval"} }, "--run is required"},
		{"eval missing run", func() []string { return []string{"eval", "--run", filepath.Join(work, "nothere")} }, "nothere"},
		{"eval trials 0", func() []string { return []string{"eval", "--run", good, "--trials", "0"} }, "--trials = 0"},
		{"eval trials too many", func() []string { return []string{"eval", "--run", good, "--trials", "1000000"} }, "--trials = 1000000"},
		{"eval checkpoint middle", func() []string { return []string{"eval", "--run", good, "--checkpoint", "middle"} }, "--checkpoint"},
		{"eval best.npz deleted", func() []string {
			d := copyRun("e1")
			os.Remove(filepath.Join(d, "best.npz"))
			return []string{"eval", "--run", d}
		}, "best.npz"},
		{"eval best.npz truncated", func() []string {
			d := copyRun("e2")
			b, _ := os.ReadFile(filepath.Join(d, "best.npz"))
			os.WriteFile(filepath.Join(d, "best.npz"), b[:len(b)-100], 0o644)
			return []string{"eval", "--run", d}
		}, "best.npz"},
		{"eval another run's checkpoint", func() []string {
			d := copyRun("e3")
			other := filepath.Join(work, "other")
			if r := runBin(t, work, "train", "--task", "romo", "--steps", "2", "--out", other, "--quiet"); r.code != 0 {
				t.Fatal(r.stderr)
			}
			b, _ := os.ReadFile(filepath.Join(other, "best.npz"))
			os.WriteFile(filepath.Join(d, "best.npz"), b, 0o644)
			return []string{"eval", "--run", d}
		}, "best.npz"},
		{"export wrong extension", func() []string { return []string{"export", "--run", good, "--out", filepath.Join(work, "x.txt")} }, "must end in .npz"},
		{"export into a missing folder", func() []string { return []string{"export", "--run", good, "--out", filepath.Join(work, "no", "x.npz")} }, "does not exist"},
		{"export onto a directory", func() []string {
			os.Mkdir(filepath.Join(work, "d.npz"), 0o755)
			return []string{"export", "--run", good, "--out", filepath.Join(work, "d.npz")}
		}, "is a directory"},
		{"config for an unknown task", func() []string { return []string{"config", "--task", "nope"} }, "nope"},
		{"tasks show unknown", func() []string { return []string{"tasks", "--show", "nope"} }, "nope"},
		{"bench unknown case", func() []string { return []string{"bench", "--case", "nope"} }, "nope"},
	}
	if len(cases) < 60 {
		t.Fatalf("%d cases; the pass has at least 60", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.RemoveAll(out)
			args := c.args()
			before := files(t, work)
			r := runBin(t, work, args...)
			if os.Getenv("DALE_HOSTILE_LOG") != "" {
				t.Logf("%v → exit %d: %s", args[:min(len(args), 3)], r.code, strings.TrimSpace(r.stderr))
			}
			oneLine(t, r, c.want)
			unchanged(t, work, before)
		})
	}
}
