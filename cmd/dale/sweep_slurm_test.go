package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dale-rnn/dale/sweep"
)

// The Slurm tests submit real job arrays. They need sbatch, squeue and
// scancel and a controller that answers (CI starts a one-node cluster
// with .ci/slurm.sh); without them they skip, unless DALE_REQUIRE_SLURM=1
// (CI), where a missing Slurm is a failure.
func needSlurm(t *testing.T) {
	t.Helper()
	miss := ""
	for _, p := range []string{"sbatch", "squeue", "scancel", "sinfo"} {
		if _, err := exec.LookPath(p); err != nil {
			miss = p + " is not on PATH"
			break
		}
	}
	if miss == "" {
		if out, err := exec.Command("sinfo", "-h", "-o", "%T").CombinedOutput(); err != nil {
			miss = "sinfo: " + strings.TrimSpace(string(out))
		}
	}
	if miss == "" {
		return
	}
	if os.Getenv("DALE_REQUIRE_SLURM") == "1" {
		t.Fatalf("DALE_REQUIRE_SLURM=1 but Slurm is not usable: %s", miss)
	}
	t.Skipf("no Slurm cluster here (%s): skipping; .ci/run starts one", miss)
}

// waitSlurm waits until none of the sweep's array tasks is in Slurm's
// queue, then returns the members' states.
func waitSlurm(t *testing.T, work, out string, limit time.Duration) []sweep.MemberStatus {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		st := memberStates(t, work, out)
		busy := false
		for _, m := range st {
			if m.Slurm != "" || m.State == sweep.Running || m.State == sweep.Queued {
				busy = true
			}
		}
		if !busy {
			return st
		}
		if time.Now().After(deadline) {
			r := runBin(t, work, "sweep", "status", out)
			t.Fatalf("the Slurm jobs did not finish in %v:\n%s", limit, r.stdout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func jobsOf(t *testing.T, out string) []sweep.Job {
	t.Helper()
	sw, err := sweep.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	return sw.Jobs
}

func logStates(t *testing.T, st []sweep.MemberStatus) {
	t.Helper()
	for _, m := range st {
		job := ""
		if m.Member != nil {
			job = m.Member.SlurmJob
		}
		t.Logf("member %s: %s (Slurm job %s, attempt %d)", m.ID, m.State, job, attempt(m))
	}
}

func attempt(m sweep.MemberStatus) int {
	if m.Member == nil {
		return 0
	}
	return m.Member.Attempt
}

// Eight members submitted as one job array complete, and their
// results.csv equals the local backend's for the same spec, bit for bit
// in every measure.
func TestSweepSlurmEqualsLocal(t *testing.T) {
	needSlurm(t)
	work := t.TempDir()
	spec := writeSpec(t, work, 150, `{"train.optimizer.lr": [0.01, 0.003], "seed": [1, 2, 3, 4]}`)
	out := filepath.Join(work, "slurm")
	r := runBin(t, work, "sweep", "--spec", spec, "--out", out, "--backend", "slurm")
	if r.code != 0 {
		t.Fatalf("submit: exit %d: %s", r.code, r.stderr)
	}
	t.Log(strings.TrimSpace(r.stdout))
	jobs := jobsOf(t, out)
	if len(jobs) != 1 || !slices.Equal(jobs[0].Indices, []int{0, 1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("jobs: %+v, want one array of members 0-7", jobs)
	}
	script, _ := os.ReadFile(jobs[0].Script)
	if !strings.Contains(string(script), "#SBATCH --array=0-7\n") || !strings.Contains(string(script), "export GOMAXPROCS=1\n") {
		t.Errorf("batch script:\n%s", script)
	}
	st := waitSlurm(t, work, out, 4*time.Minute)
	logStates(t, st)
	for _, m := range st {
		if m.State != sweep.Done || m.Member.SlurmJob != jobs[0].ID+"_"+itoa(m.Index) {
			t.Errorf("member %s: %s, job %q", m.ID, m.State, m.Member.SlurmJob)
		}
	}
	if r := runBin(t, work, "sweep", "collect", out); r.code != 0 {
		t.Fatalf("collect: exit %d: %s", r.code, r.stderr)
	}
	local := filepath.Join(work, "local")
	if r := runBin(t, work, "sweep", "--spec", spec, "--out", local, "--quiet"); r.code != 0 {
		t.Fatalf("local: exit %d: %s", r.code, r.stderr)
	}
	got, want := measures(t, out), measures(t, local)
	if !slices.Equal(got, want) {
		t.Errorf("Slurm results differ from the local backend's:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	t.Logf("results.csv of the Slurm and the local backend: %d rows, every measure equal", len(got)-1)
}

// A member cancelled with scancel while it trains is interrupted (it
// saves its checkpoint on SIGTERM); resume submits a job for it alone,
// and it finishes with the results of an uninterrupted run.
func TestSweepSlurmCancelResume(t *testing.T) {
	needSlurm(t)
	work := t.TempDir()
	spec := writeSpec(t, work, 2500, `{"seed": [1, 2, 3, 4]}`)
	out := filepath.Join(work, "slurm")
	if r := runBin(t, work, "sweep", "--spec", spec, "--out", out, "--backend", "slurm"); r.code != 0 {
		t.Fatalf("submit: exit %d: %s", r.code, r.stderr)
	}
	job := jobsOf(t, out)[0].ID
	// Cancel member 1 once it has trained a while.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		h, _ := os.ReadFile(filepath.Join(out, "runs", "0001", "history.csv"))
		if strings.Count(string(h), "\n") > 200 {
			break
		}
		if time.Now().After(deadline) {
			exec.Command("scancel", job).Run()
			t.Fatal("member 0001 did not start training")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if b, err := exec.Command("scancel", job+"_1").CombinedOutput(); err != nil {
		t.Fatalf("scancel %s_1: %v %s", job, err, b)
	}
	t.Logf("scancel %s_1 while member 0001 trained", job)
	st := waitSlurm(t, work, out, 4*time.Minute)
	logStates(t, st)
	for _, m := range st {
		want := sweep.Done
		if m.Index == 1 {
			if m.State != sweep.Interrupted && m.State != sweep.Lost {
				t.Errorf("cancelled member: %s, want interrupted (or lost)", m.State)
			}
			if m.Member.Step >= 2500 {
				t.Errorf("cancelled member trained all %d steps", m.Member.Step)
			}
			continue
		}
		if m.State != want {
			t.Errorf("member %s: %s, want %s", m.ID, m.State, want)
		}
	}
	r := runBin(t, work, "sweep", "resume", out)
	if r.code != 0 || !strings.Contains(r.stdout, "resuming 1 member(s) on slurm: 0001") {
		t.Fatalf("resume: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	t.Log(strings.TrimSpace(r.stdout))
	jobs := jobsOf(t, out)
	if len(jobs) != 2 || !slices.Equal(jobs[1].Indices, []int{1}) {
		t.Fatalf("jobs after resume: %+v, want a second job of member 1 alone", jobs)
	}
	st = waitSlurm(t, work, out, 4*time.Minute)
	logStates(t, st)
	for _, m := range st {
		wantAttempt := 1
		if m.Index == 1 {
			wantAttempt = 2
		}
		if m.State != sweep.Done || attempt(m) != wantAttempt {
			t.Errorf("member %s: %s attempt %d, want done at attempt %d", m.ID, m.State, attempt(m), wantAttempt)
		}
	}
	if r := runBin(t, work, "sweep", "collect", out); r.code != 0 {
		t.Fatalf("collect: exit %d: %s", r.code, r.stderr)
	}
	local := filepath.Join(work, "local")
	if r := runBin(t, work, "sweep", "--spec", spec, "--out", local, "--quiet"); r.code != 0 {
		t.Fatalf("local: exit %d: %s", r.code, r.stderr)
	}
	if got, want := measures(t, out), measures(t, local); !slices.Equal(got, want) {
		t.Errorf("cancelled and resumed Slurm sweep differs from an uninterrupted local one:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A member made to fail (its learning rate sends the loss to NaN) is
// reported failed with its error; the rest of the array completes.
func TestSweepSlurmFailure(t *testing.T) {
	needSlurm(t)
	work := t.TempDir()
	spec := writeSpec(t, work, 100, `{"train.optimizer.lr": [0.01, 1e30, 0.003]}`)
	out := filepath.Join(work, "slurm")
	if r := runBin(t, work, "sweep", "--spec", spec, "--out", out, "--backend", "slurm"); r.code != 0 {
		t.Fatalf("submit: exit %d: %s", r.code, r.stderr)
	}
	st := waitSlurm(t, work, out, 4*time.Minute)
	logStates(t, st)
	for _, m := range st {
		if m.Index == 1 {
			if m.State != sweep.Failed || !strings.Contains(m.Member.Error, "NaN") {
				t.Errorf("failing member: %s %+v", m.State, m.Member)
			}
			continue
		}
		if m.State != sweep.Done {
			t.Errorf("member %s: %s, want done", m.ID, m.State)
		}
	}
	r := runBin(t, work, "sweep", "status", out)
	if !strings.Contains(r.stdout, "states: 2 done, 1 failed") {
		t.Errorf("status:\n%s", r.stdout)
	}
	if r := runBin(t, work, "sweep", "collect", out); r.code != 0 {
		t.Fatalf("collect: exit %d: %s", r.code, r.stderr)
	}
	rows := csvRows(t, out)
	if rows[1]["state"] != "failed" || rows[1]["accuracy"] != "" || rows[0]["state"] != "done" || rows[2]["state"] != "done" {
		t.Errorf("results.csv: %v", rows)
	}
	b, _ := json.Marshal(rows[1])
	t.Logf("failed member's row: %s", b)
}
