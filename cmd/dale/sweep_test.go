package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	drun "github.com/dale-rnn/dale/run"
	"github.com/dale-rnn/dale/sweep"
)

// sweepBase is a small run: pdm on 16 neurons, short trials.
const sweepBase = `{"seed": 1, "hidden_size": 16,
  "task": {"name": "pdm", "params": {"timing": {"fixation": 100, "stimulus": 200, "decision": 200}}},
  "mask": {"type": "multi_area_ei", "n_areas": 2},
  "train": {"steps": %d, "batch_size": 8, "eval_every": 50, "eval_trials": 32, "checkpoint_every": 20}}`

// writeSpec writes a spec of sweepBase with steps and the axes JSON.
func writeSpec(t *testing.T, dir string, steps int, axes string) string {
	t.Helper()
	path := filepath.Join(dir, "spec.json")
	spec := fmt.Sprintf(`{"base": %s, "axes": %s, "threads": 1}`, fmt.Sprintf(sweepBase, steps), axes)
	if err := os.WriteFile(path, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// csvRows reads results.csv as maps by column.
func csvRows(t *testing.T, out string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(out, sweep.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		rows = append(rows, m)
	}
	return rows
}

// measures is results.csv without what may differ between two equal
// sweeps (wall time, attempts, errors naming their directory).
func measures(t *testing.T, out string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(out, sweep.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, r := range recs {
		var keep []string
		for i, h := range recs[0] {
			if h != "wall_s" && h != "attempts" && h != "error" {
				keep = append(keep, r[i])
			}
		}
		lines = append(lines, strings.Join(keep, ","))
	}
	return lines
}

func memberStates(t *testing.T, work, out string) []sweep.MemberStatus {
	t.Helper()
	r := runBin(t, work, "sweep", "status", out, "--json")
	if r.code != 0 {
		t.Fatalf("sweep status: exit %d: %s", r.code, r.stderr)
	}
	var st []sweep.MemberStatus
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	for dec.More() {
		var m sweep.MemberStatus
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		st = append(st, m)
	}
	return st
}

// A bad spec is refused whole: one line naming the axis or the member,
// exit 2, no sweep directory.
func TestSweepBadSpecs(t *testing.T) {
	work := t.TempDir()
	for _, c := range []struct{ name, axes, want string }{
		{"unknown top key", `{"foo.bar": [1]}`, "axes.foo.bar"},
		{"empty axis", `{"seed": []}`, "axes.seed = [] is not allowed"},
		{"not a list", `{"seed": 3}`, "axes.seed = 3 is not allowed: must be a list"},
		{"wrong type", `{"hidden_size": ["big"]}`, "member 0000 (hidden_size = \"big\")"},
		{"member does not validate", `{"mask.exc_pct": [0.5, 2]}`, "member 0001 (mask.exc_pct = 2)"},
		{"unknown field in a section", `{"train.stepz": [1]}`, "member 0000"},
		{"bad seed", `{"seed": [-1]}`, "member 0000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(work, "out")
			spec := writeSpec(t, work, 20, c.axes)
			r := runBin(t, work, "sweep", "--spec", spec, "--out", out)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2: %s", r.code, r.stderr)
			}
			oneLine(t, r, c.want)
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("the sweep directory was created: %v", err)
			}
		})
	}
	// A sweep directory that is not empty is refused, and left alone.
	out := filepath.Join(work, "used")
	os.MkdirAll(out, 0o755)
	os.WriteFile(filepath.Join(out, "x"), []byte("mine"), 0o644)
	r := runBin(t, work, "sweep", "--spec", writeSpec(t, work, 20, `{"seed": [1]}`), "--out", out)
	if r.code != 2 {
		t.Fatalf("non-empty --out: exit %d: %s", r.code, r.stderr)
	}
	oneLine(t, r, "is not empty")
	if b, _ := os.ReadFile(filepath.Join(out, "x")); string(b) != "mine" {
		t.Error("the file in --out was changed")
	}
}

// Local backend: a member made to fail (a learning rate that sends the
// loss to NaN) is recorded and the others complete; collect marks it;
// resume runs again only the failed members; a second sweep command on
// the same directory is refused while one holds it.
func TestSweepLocalFailureAndResume(t *testing.T) {
	work := t.TempDir()
	spec := writeSpec(t, work, 60, `{"train.optimizer.lr": [0.01, 1e30], "seed": [1, 2]}`)
	out := filepath.Join(work, "out")
	r := runBin(t, work, "sweep", "--spec", spec, "--out", out, "--workers", "2")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (a member failed): %s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "2 done, 2 failed, 0 interrupted") {
		t.Errorf("stdout: %s", r.stdout)
	}
	rows := csvRows(t, out)
	for _, row := range rows {
		failing := row["train.optimizer.lr"] == "1e30"
		switch {
		case failing && (row["state"] != "failed" || !strings.Contains(row["error"], "NaN") || row["accuracy"] != ""):
			t.Errorf("failing member: %v", row)
		case !failing && (row["state"] != "done" || row["accuracy"] == "" || row["steps"] != "60"):
			t.Errorf("good member: %v", row)
		}
	}
	// Each member is an ordinary run directory: dale eval works on it.
	if r := runBin(t, work, "eval", "--run", filepath.Join(out, "runs", "0000"), "--trials", "16", "--out", filepath.Join(work, "eval")); r.code != 0 {
		t.Errorf("dale eval on a member: exit %d: %s", r.code, r.stderr)
	}
	// Two sweep commands on one directory: the second is refused.
	lock, err := drun.LockDir(out, "test")
	if err != nil {
		t.Fatal(err)
	}
	r = runBin(t, work, "sweep", "resume", out)
	lock.Unlock()
	if r.code != 2 {
		t.Fatalf("resume of a locked sweep: exit %d: %s", r.code, r.stderr)
	}
	oneLine(t, r, "in use by another dale process")

	r = runBin(t, work, "sweep", "resume", out, "--quiet")
	if r.code != 1 || !strings.Contains(r.stdout, "resuming 2 member(s) on local: 0002 (failed), 0003 (failed)") {
		t.Fatalf("resume: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	for _, m := range memberStates(t, work, out) {
		want := map[bool]int{true: 2, false: 1}[m.Index >= 2]
		if m.Member == nil || m.Member.Attempt != want {
			t.Errorf("member %s: %+v, want attempt %d", m.ID, m.Member, want)
		}
	}
}

// Local backend: SIGINT stops the sweep (exit 3), the running members
// save their checkpoints, resume finishes them from there, and the
// results equal an uninterrupted sweep's bit for bit.
func TestSweepInterruptResumeBitExact(t *testing.T) {
	work := t.TempDir()
	spec := writeSpec(t, work, 1200, `{"seed": [1, 2, 3]}`)
	out := filepath.Join(work, "out")
	cmd := exec.Command(daleBinary(t), "sweep", "--spec", spec, "--out", out, "--workers", "2", "--quiet")
	cmd.Dir = work
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until a member has trained a while.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		h, _ := os.ReadFile(filepath.Join(out, "runs", "0000", "history.csv"))
		if strings.Count(string(h), "\n") > 100 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("member 0000 did not start training")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("interrupted sweep: %v, want exit 3", err)
	}
	st := memberStates(t, work, out)
	if st[0].State != sweep.Interrupted || st[0].Member.Step >= 1200 {
		t.Fatalf("member 0000 after SIGINT: %s %+v", st[0].State, st[0].Member)
	}
	r := runBin(t, work, "sweep", "resume", out, "--quiet")
	if r.code != 0 || !strings.Contains(r.stdout, "0000 (interrupted)") {
		t.Fatalf("resume: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	ref := filepath.Join(work, "ref")
	if r := runBin(t, work, "sweep", "--spec", spec, "--out", ref, "--quiet"); r.code != 0 {
		t.Fatalf("reference sweep: exit %d: %s", r.code, r.stderr)
	}
	got, want := measures(t, out), measures(t, ref)
	if !slices.Equal(got, want) {
		t.Errorf("interrupted and resumed sweep differs from an uninterrupted one:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
