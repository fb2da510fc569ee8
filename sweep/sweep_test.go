package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/run"
)

const tinySpec = `{
  "base": {"seed": 1, "hidden_size": 8, "task": {"name": "pdm", "params": {"timing": {"fixation": 100, "stimulus": 100, "decision": 100}}},
           "train": {"steps": 6, "batch_size": 4, "eval_every": 3, "eval_trials": 8}},
  "axes": {"train.optimizer.lr": [0.01, 0.003], "seed": [1, 2]},
  "threads": 1,
  "slurm": {"partition": "short", "time": "00:10:00", "mem": "2G", "max_parallel": 3, "extra": ["#SBATCH --account=lab"]}
}`

func tinySweep(t *testing.T) *Sweep {
	t.Helper()
	s, err := Parse([]byte(tinySpec), "tiny")
	if err != nil {
		t.Fatal(err)
	}
	sw, err := Create(s, filepath.Join(t.TempDir(), "out"), Slurm)
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// Create writes sweep.json and runs/; Open reads back the same sweep;
// Create refuses a directory that is not empty and a bad backend.
func TestCreateOpen(t *testing.T) {
	sw := tinySweep(t)
	got, err := Open(sw.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != 4 || got.Backend != Slurm || got.Threads() != 1 || got.Spec.Slurm.Partition != "short" {
		t.Fatalf("opened: %d members, backend %s, threads %d, slurm %+v", got.Len(), got.Backend, got.Threads(), got.Spec.Slurm)
	}
	for i := range 4 {
		a, _ := sw.Spec.Member(i)
		b, _ := got.Spec.Member(i)
		ja, _ := run.Marshal(a.Config)
		jb, _ := run.Marshal(b.Config)
		if !bytes.Equal(ja, jb) {
			t.Errorf("member %d differs after Open", i)
		}
	}
	if _, err := Create(sw.Spec, sw.Dir, Local); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("Create on a used directory: %v", err)
	}
	if _, err := Create(sw.Spec, filepath.Join(t.TempDir(), "x"), "cloud"); err == nil || !strings.Contains(err.Error(), `backend = "cloud" is not allowed`) {
		t.Errorf("bad backend: %v", err)
	}
	if _, err := Create(sw.Spec, filepath.Join(t.TempDir(), "a b"), Local); err == nil || !strings.Contains(err.Error(), "may not hold spaces") {
		t.Errorf("a path with a space: %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a sweep directory") {
		t.Errorf("Open of a plain directory: %v", err)
	}
}

// The batch script: one array over the members, %max_parallel, the
// spec's sbatch options, GOMAXPROCS, the worker command quoted.
func TestScript(t *testing.T) {
	sw := tinySweep(t)
	b, err := sw.Script([]int{3, 0, 1, 3}, SubmitOptions{Command: []string{"/opt/my dale/dale"}, Slurm: SlurmOptions{Time: "01:00:00"}})
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		"#!/bin/bash\n",
		"#SBATCH --array=0-1,3%3\n",
		"#SBATCH --cpus-per-task=1\n",
		"#SBATCH --partition=short\n",
		"#SBATCH --time=01:00:00\n",
		"#SBATCH --mem=2G\n",
		"#SBATCH --account=lab\n",
		"export GOMAXPROCS=1\n",
		`exec '/opt/my dale/dale' sweep member `,
		`--index "$SLURM_ARRAY_TASK_ID"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	for _, c := range []struct {
		idx  []int
		o    SlurmOptions
		want string
	}{
		{[]int{4}, SlurmOptions{}, "index = 4 is not allowed"},
		{nil, SlurmOptions{}, "no members"},
		{[]int{0}, SlurmOptions{Mem: "2G; rm -rf /"}, "slurm.mem"},
		{[]int{0}, SlurmOptions{Extra: []string{"--account=x"}}, "slurm.extra[1]"},
	} {
		if _, err := sw.Script(c.idx, SubmitOptions{Command: []string{"dale"}, Slurm: c.o}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Script(%v, %+v): %v, want %q", c.idx, c.o, err, c.want)
		}
	}
}

func TestArrayList(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want string
	}{
		{[]int{0}, "0"},
		{[]int{0, 1, 2, 3}, "0-3"},
		{[]int{1, 3, 5, 6, 7, 9}, "1,3,5-7,9"},
	} {
		if got := arrayList(c.in); got != c.want {
			t.Errorf("arrayList(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Members are run in this process: one done, its state and results; a
// state that says running without a worker holding the lock is Lost; a
// locked member is refused to a second worker; Unfinished picks the rest.
func TestRunMemberStatusCollect(t *testing.T) {
	sw := tinySweep(t)
	st, err := sw.RunMember(context.Background(), 2, MemberOptions{})
	if err != nil || st.State != Done || st.Step != 6 || st.Attempt != 1 {
		t.Fatalf("RunMember: %+v, %v", st, err)
	}
	// Done members are not run again.
	again, err := sw.RunMember(context.Background(), 2, MemberOptions{})
	if err != nil || again.Attempt != 1 {
		t.Errorf("second RunMember of a done member: %+v %v", again, err)
	}
	// Member 1: a worker that died while running.
	dir1 := sw.MemberDir(1)
	os.MkdirAll(dir1, 0o755)
	if err := writeMemberState(dir1, &MemberState{State: Running, Attempt: 1}); err != nil {
		t.Fatal(err)
	}
	// Member 3: held by a worker.
	dir3 := sw.MemberDir(3)
	os.MkdirAll(dir3, 0o755)
	os.WriteFile(filepath.Join(dir3, MemberLog), nil, 0o644)
	writeMemberState(dir3, &MemberState{State: Running, Attempt: 1})
	lock, err := run.LockDir(filepath.Join(dir3, MemberLog), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	if _, err := sw.RunMember(context.Background(), 3, MemberOptions{}); !errors.Is(err, ErrMemberRunning) {
		t.Errorf("RunMember of a held member: %v", err)
	}
	status, err := sw.Status(map[int]string{0: "PENDING"})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, m := range status {
		states = append(states, m.State)
	}
	if want := []string{Queued, Lost, Done, Running}; !slices.Equal(states, want) {
		t.Errorf("states %v, want %v", states, want)
	}
	if got := Unfinished(status); !slices.Equal(got, []int{1}) {
		t.Errorf("Unfinished = %v, want [1]", got)
	}
	res, err := sw.Collect(nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := res.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "index,id,train.optimizer.lr,seed,state,attempts,steps,train_status,target_met,accuracy,mse,wall_s,error") {
		t.Fatalf("results.csv:\n%s", b.String())
	}
	if !strings.HasPrefix(lines[3], "2,0002,0.003,1,done,1,6,step_limit,") || !strings.HasPrefix(lines[2], "1,0001,0.01,2,lost,1,0,,,,,") {
		t.Errorf("rows:\n%s", b.String())
	}
	paths, err := res.Write(sw.Dir)
	if err != nil || len(paths) != 2 || filepath.Base(paths[1]) != "train.optimizer.lr.png" {
		t.Errorf("Write: %v %v", paths, err)
	}
	var mt run.Metrics
	data, _ := os.ReadFile(filepath.Join(sw.MemberDir(2), run.MetricsFile))
	if json.Unmarshal(data, &mt) != nil || !strings.Contains(lines[3], formatG(mt.Measures["accuracy"])) {
		t.Errorf("row 2 does not hold metrics.json's accuracy %v: %s", mt.Measures["accuracy"], lines[3])
	}
}

// A worker killed after training ended but before its report: the
// member's report is written again and nothing more is trained.
func TestFinishedWithoutReport(t *testing.T) {
	sw := tinySweep(t)
	if _, err := sw.RunMember(context.Background(), 0, MemberOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := sw.MemberDir(0)
	hist, _ := os.ReadFile(filepath.Join(dir, "history.csv"))
	os.Remove(filepath.Join(dir, run.MetricsFile))
	writeMemberState(dir, &MemberState{State: Running, Attempt: 1})
	st, err := sw.RunMember(context.Background(), 0, MemberOptions{})
	if err != nil || st.State != Done || st.Step != 6 || st.Attempt != 2 {
		t.Fatalf("RunMember: %+v %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(dir, run.MetricsFile)); err != nil {
		t.Error("metrics.json not written again")
	}
	if h, _ := os.ReadFile(filepath.Join(dir, "history.csv")); !bytes.Equal(h, hist) {
		t.Error("the member trained again")
	}
}

// A member without a checkpoint from a failed attempt starts again in a
// clean directory; the old files go to attempts/.
func TestSetAside(t *testing.T) {
	sw := tinySweep(t)
	dir := sw.MemberDir(0)
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, run.ConfigFile), []byte("{}"), 0o644)
	writeMemberState(dir, &MemberState{State: Failed, Attempt: 1, Error: "boom"})
	st, err := sw.RunMember(context.Background(), 0, MemberOptions{})
	if err != nil || st.State != Done || st.Attempt != 2 {
		t.Fatalf("RunMember after a failed attempt: %+v %v", st, err)
	}
	if b, err := os.ReadFile(filepath.Join(sw.Dir, AttemptsDir, "0000-1", run.ConfigFile)); err != nil || string(b) != "{}" {
		t.Errorf("the failed attempt's file was not kept: %q %v", b, err)
	}
}

// A spec may start from a task's recipe with a base laid over it.
func TestRecipeSpec(t *testing.T) {
	s, err := Parse([]byte(`{"recipe": "ctxdm", "base": {"hidden_size": 32, "mask": {"input_areas": [0]}}, "axes": {"seed": [1]}}`), "r")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Member(0)
	if err != nil {
		t.Fatal(err)
	}
	var mask map[string]json.RawMessage
	json.Unmarshal(m.Config.Mask, &mask)
	if m.Config.HiddenSize != 32 || string(mask["input_areas"]) != "[0]" || string(mask["n_areas"]) != "2" || m.Config.Task.Name != "ctxdm" {
		t.Errorf("member: hidden %d, mask %s", m.Config.HiddenSize, m.Config.Mask)
	}
	if _, err := Parse([]byte(`{"recipe": "nosuch", "axes": {"seed": [1]}}`), "r"); err == nil || !strings.Contains(err.Error(), "recipe") {
		t.Errorf("unknown recipe: %v", err)
	}
	for _, c := range []struct{ spec, want string }{
		{`{"recipe": "pdm", "axes": {"seed": [1]}, "threads": -1}`, "threads = -1 is not allowed"},
		{`{"recipe": "pdm", "axes": {"seed": [1]}, "slurm": {"max_parallel": -2}}`, "slurm.max_parallel = -2"},
		{`{"recipe": "pdm", "axes": {"seed": [1]}, "slurm": {"partition": "a b"}}`, "slurm.partition"},
	} {
		if _, err := Parse([]byte(c.spec), "r"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.spec, err, c.want)
		}
	}
}

func formatG(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}
