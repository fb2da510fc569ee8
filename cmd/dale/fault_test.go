package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/dale-rnn/dale/npz"
)

// The regression tests of the reliability issue that need the real binary:
// processes on one directory, signals, kill -9, files edited between
// commands. Each checks the exit status, the one-line message and that
// nothing was written or changed where nothing may be.

// faultRun is shortRun with more steps and frequent checkpoints, so that a
// process can be stopped in the middle.
const faultRun = `{
  "seed": 3,
  "hidden_size": 16,
  "task": {"name": "pdm", "params": {"timing": {"fixation": 100, "stimulus": 200, "decision": 200}}},
  "train": {"steps": 400, "batch_size": 8, "eval_every": 100, "eval_trials": 16, "checkpoint_every": 5}
}`

// trainedRun trains shortRun into work/run and returns its path.
func trainedRun(t *testing.T, work string) string {
	t.Helper()
	cfg := filepath.Join(work, "run.json")
	if err := os.WriteFile(cfg, []byte(shortRun), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "run")
	if r := runBin(t, work, "train", "--config", cfg, "--out", dir, "--quiet"); r.code != 0 {
		t.Fatalf("train exit %d: %s", r.code, r.stderr)
	}
	return dir
}

// files returns the bytes of every file below dir by relative path.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func unchanged(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := files(t, dir)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed", k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("%s was written", k)
		}
	}
}

// oneLine checks a refusal: exit 2, one line naming want.
func oneLine(t *testing.T, r result, want string) {
	t.Helper()
	if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q", r.code, r.stderr, want)
	}
}

// Item 6: a resume that cannot continue is refused with exit 2 before
// anything is written: a truncated last.npz, a checkpoint of another task,
// --steps below the steps done, a broken history, a changed batch size.
func TestFailedResumeChangesNothing(t *testing.T) {
	work := t.TempDir()
	dir := trainedRun(t, work)
	other := filepath.Join(work, "romo")
	if r := runBin(t, work, "train", "--task", "romo", "--steps", "3", "--out", other, "--quiet"); r.code != 0 {
		t.Fatalf("romo: %s", r.stderr)
	}
	last := filepath.Join(dir, "last.npz")
	good, _ := os.ReadFile(last)
	romoLast, _ := os.ReadFile(filepath.Join(other, "last.npz"))
	hist := filepath.Join(dir, "history.csv")
	goodHist, _ := os.ReadFile(hist)
	for _, c := range []struct {
		name  string
		edit  func()
		steps string
		want  string
	}{
		{"truncated last.npz", func() { os.WriteFile(last, good[:len(good)/2], 0o644) }, "60", "last.npz"},
		{"a romo checkpoint in a pdm run", func() { os.WriteFile(last, romoLast, 0o644) }, "60", `the checkpoint is of a run of "romo", not "pdm"`},
		{"steps below the steps done", nil, "25", "--steps = 25 is not allowed"},
		{"garbage history", func() { os.WriteFile(hist, append([]byte("garbage\n"), goodHist...), 0o644) }, "60", "history.csv"},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(last, good, 0o644)
			os.WriteFile(hist, goodHist, 0o644)
			if c.edit != nil {
				c.edit()
			}
			before := files(t, dir)
			r := runBin(t, work, "train", "--resume", dir, "--steps", c.steps, "--quiet")
			oneLine(t, r, c.want)
			unchanged(t, dir, before)
		})
	}
}

// Item 2: two processes on one run directory: the second is refused (exit
// 2) and the first's files are its own; the lock of a killed process does
// not block a resume.
func TestTwoProcessesOneDirectory(t *testing.T) {
	work := t.TempDir()
	cfg := filepath.Join(work, "run.json")
	os.WriteFile(cfg, []byte(faultRun), 0o644)
	dir := filepath.Join(work, "run")
	var wg sync.WaitGroup
	res := make([]result, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = runBin(t, work, "train", "--config", cfg, "--out", dir, "--steps", "60", "--seed", []string{"1", "2"}[i], "--quiet")
		}()
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, r := range res {
		switch {
		case r.code == 0:
			ok++
		case r.code == 2 && (strings.Contains(r.stderr, "in use by another dale process") || strings.Contains(r.stderr, "is not empty")):
			refused++
		default:
			t.Errorf("exit %d: %s", r.code, r.stderr)
		}
	}
	if ok != 1 || refused != 1 {
		t.Fatalf("%d succeeded and %d were refused, want 1 and 1", ok, refused)
	}
	h, _ := os.ReadFile(filepath.Join(dir, "history.csv"))
	if n := strings.Count(string(h), "\n"); n != 61 {
		t.Errorf("history.csv has %d lines, want a header and 60 steps", n)
	}
	var rc struct{ Seed uint64 }
	b, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	json.Unmarshal(b, &rc)
	arrays, err := npz.Read(filepath.Join(dir, "last.npz"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ Seed uint64 }
	json.Unmarshal(arrays["train_state_json"].Data.([]uint8), &st)
	if st.Seed != rc.Seed {
		t.Errorf("config.json has seed %d, last.npz %d", rc.Seed, st.Seed)
	}

	// Two resumes at once: one is refused.
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = runBin(t, work, "train", "--resume", dir, "--steps", "120", "--quiet")
		}()
	}
	wg.Wait()
	if (res[0].code == 0) == (res[1].code == 0) {
		t.Errorf("two resumes: exits %d and %d (%s / %s), want one 0 and one 2", res[0].code, res[1].code, res[0].stderr, res[1].stderr)
	}
	for _, r := range res {
		if r.code != 0 {
			oneLine(t, r, "in use by another dale process")
		}
	}
}

// Items 2, 3, 11 and 12: SIGINT exits 3 with last.npz saved; kill -9
// leaves no stale lock, and a torn history row and leftover temp files do
// not stop the resume, which finishes the run with one row per step.
func TestSignalsAndKill(t *testing.T) {
	work := t.TempDir()
	cfg := filepath.Join(work, "run.json")
	os.WriteFile(cfg, []byte(faultRun), 0o644)
	dir := filepath.Join(work, "run")

	start := func(args ...string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(daleBinary(t), args...)
		cmd.Dir = work
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}
	waitRows := func(n int) {
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			if b, err := os.ReadFile(filepath.Join(dir, "history.csv")); err == nil && strings.Count(string(b), "\n") > n {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("history.csv did not reach %d rows", n)
	}

	cmd, stderr := start("train", "--config", cfg, "--out", dir, "--quiet")
	waitRows(10)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 || !strings.Contains(stderr.String(), "--resume") {
		t.Fatalf("after SIGINT: %v, stderr %q; want exit 3 saying how to resume", err, stderr.String())
	}

	cmd, _ = start("train", "--resume", dir, "--quiet")
	waitRows(30)
	cmd.Process.Kill()
	cmd.Wait()
	// A crash in the middle of a history write and of a checkpoint write.
	f, _ := os.OpenFile(filepath.Join(dir, "history.csv"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("99999,0,0.1")
	f.Close()
	os.WriteFile(filepath.Join(dir, ".last.npz.tmp123"), []byte("partial"), 0o644)

	r := runBin(t, work, "train", "--resume", dir, "--quiet")
	if r.code != 0 {
		t.Fatalf("resume after kill -9: exit %d: %s", r.code, r.stderr)
	}
	h, _ := os.ReadFile(filepath.Join(dir, "history.csv"))
	lines := strings.Split(strings.TrimSpace(string(h)), "\n")
	if len(lines) != 401 {
		t.Errorf("history.csv has %d lines, want a header and 400 steps", len(lines))
	}
	for i, l := range lines[1:] {
		if !strings.HasPrefix(l, itoa(i+1)+",") {
			t.Fatalf("line %d of history.csv is %q, want step %d", i+2, l, i+1)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".last.npz.tmp123")); err == nil {
		t.Error("the leftover temp file of a killed checkpoint write is still there")
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// Items 7, 8 and 12: export never replaces a run's own file; a figure that
// cannot be drawn is a warning, not a failure; eval writes elsewhere for a
// read-only run directory.
func TestRunFilesAndFigures(t *testing.T) {
	work := t.TempDir()
	dir := trainedRun(t, work)
	before := files(t, dir)
	for _, name := range []string{"best.npz", "last.npz", "config.json"} {
		r := runBin(t, work, "export", "--run", dir, "--out", filepath.Join(dir, name))
		if name == "config.json" {
			oneLine(t, r, "must end in .npz")
			continue
		}
		oneLine(t, r, "is not allowed: it is the run directory")
	}
	unchanged(t, dir, before)

	// hidden_size 1: the PCA figure cannot be drawn.
	cfg := filepath.Join(work, "tiny.json")
	os.WriteFile(cfg, []byte(`{"task": {"name": "gonogo"}, "hidden_size": 1, "train": {"steps": 3, "eval_every": 3, "eval_trials": 8, "batch_size": 4}}`), 0o644)
	r := runBin(t, work, "train", "--config", cfg, "--out", filepath.Join(work, "tiny"), "--quiet")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: figure pca.png skipped") {
		t.Errorf("hidden_size 1: exit %d, stderr %q; want 0 and a warning about pca.png", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(work, "tiny", "figures", "trials.png")); err != nil {
		t.Error("the figures after the failed one were not drawn")
	}

	// A read-only run directory: eval --out writes elsewhere.
	if os.Geteuid() != 0 {
		os.Chmod(dir, 0o555)
		defer os.Chmod(dir, 0o755)
		if r := runBin(t, work, "eval", "--run", dir, "--trials", "64"); r.code == 0 {
			t.Error("eval into a read-only run directory succeeded")
		}
	}
	out := filepath.Join(work, "evals")
	r = runBin(t, work, "eval", "--run", dir, "--trials", "64", "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, out) {
		t.Fatalf("eval --out: exit %d, %s %s", r.code, r.stdout, r.stderr)
	}
	ents, _ := os.ReadDir(out)
	if len(ents) == 0 {
		t.Error("eval --out wrote nothing there")
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".png") && !strings.Contains(r.stdout, e.Name()) {
			t.Errorf("eval wrote %s without saying so", e.Name())
		}
	}
	if strings.Contains(r.stdout, "psychometric.png") {
		if _, err := os.Stat(filepath.Join(out, "seed9-best-psychometric.png")); err != nil {
			t.Errorf("eval says it wrote the psychometric figure: %v", err)
		}
	}
}

// Items 9 and 10: bad values are refused before anything is written: a
// duplicate key, explicit zeros that used to become defaults, eval_every
// -1 with a target.
func TestBadValuesWriteNothing(t *testing.T) {
	work := t.TempDir()
	for _, c := range []struct{ name, cfg, want string }{
		{"duplicate task", `{"task": {"name": "pdm"}, "task": {"name": "romo"}}`, `key "task" appears twice`},
		{"hidden_size 0", `{"task": {"name": "pdm"}, "hidden_size": 0}`, "hidden_size = 0 is not allowed"},
		{"batch_size 0", `{"task": {"name": "pdm"}, "train": {"batch_size": 0}}`, "train.batch_size = 0 is not allowed"},
		{"eval_every -1 with a target", `{"task": {"name": "pdm"}, "train": {"eval_every": -1, "target_accuracy": 0.9}}`, "train.eval_every = -1 is not allowed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := filepath.Join(work, "c.json")
			os.WriteFile(cfg, []byte(c.cfg), 0o644)
			out := filepath.Join(work, "out")
			oneLine(t, runBin(t, work, "train", "--config", cfg, "--out", out), c.want)
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was created", out)
			}
		})
	}
}
