package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/run"
	"github.com/dale-rnn/dale/train"
)

// Member states, as MemberState and Status report them.
const (
	// Pending: never started (no member.json).
	Pending = "pending"
	// Queued: waiting in Slurm's queue (Status only, from squeue).
	Queued = "queued"
	// Running: a worker holds the member's lock.
	Running = "running"
	// Done: trained to its end (converged or at its step limit).
	Done = "done"
	// Failed: the run failed or could not start; Error says why.
	Failed = "failed"
	// Interrupted: stopped by a signal (scancel, Ctrl-C) after it saved
	// last.npz; resume continues it.
	Interrupted = "interrupted"
	// Lost: member.json says running but no worker holds the lock (the
	// worker was killed, the node died); resume continues it from its
	// last checkpoint.
	Lost = "lost"
)

// States lists the member states in the order status reports them.
var States = []string{Done, Running, Queued, Pending, Interrupted, Lost, Failed}

// MemberState is a member's member.json: what its worker last said.
type MemberState struct {
	State string `json:"state"`
	// Attempt counts the worker runs of this member (1 for the first).
	Attempt int       `json:"attempt"`
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended,omitzero"`
	// Wall is the seconds the member's workers ran, over all attempts.
	Wall float64 `json:"wall_s"`
	// Step is the training steps done; TrainStatus train's word for how
	// the run ended (converged, step limit, interrupted).
	Step        int    `json:"step"`
	TrainStatus string `json:"train_status,omitempty"`
	Error       string `json:"error,omitempty"`
	Host        string `json:"host,omitempty"`
	PID         int    `json:"pid,omitempty"`
	// SlurmJob is "<array job>_<task>" when the worker ran under Slurm.
	SlurmJob string `json:"slurm_job,omitempty"`
}

// ErrMemberRunning is wrapped by RunMember's error when another worker
// holds the member.
var ErrMemberRunning = errors.New("member in use")

// ErrMemberInterrupted is wrapped by RunMember's error when its context
// was cancelled and the member saved its checkpoint.
var ErrMemberInterrupted = errors.New("member interrupted")

// MemberOptions are how RunMember reports.
type MemberOptions struct {
	// Output, when not nil, gets the member's log as well as its
	// member.log.
	Output io.Writer
}

// RunMember runs member idx in this process: it trains the member's run
// directory, or resumes it from last.npz when an earlier attempt left
// one, or does nothing when the member is done. It holds the member's
// lock (on member.log) throughout, and records the attempt in
// member.json: running at the start, then done, failed or interrupted.
// Files of an earlier attempt that failed before its first checkpoint
// are moved to OUT/attempts/<id>-<attempt>/ first. The member's numbers
// depend on GOMAXPROCS (see Spec.Threads): RunLocal's and Submit's
// workers set it to the sweep's threads.
//
// A failure of the run is recorded and returned; an interrupted member
// returns an error wrapping ErrMemberInterrupted and context.Canceled.
func (sw *Sweep) RunMember(ctx context.Context, idx int, o MemberOptions) (*MemberState, error) {
	m, err := sw.Spec.Member(idx)
	if err != nil {
		return nil, err
	}
	r, err := run.Resolve(m.Config, sw.Spec.Dir)
	if err != nil {
		return nil, fmt.Errorf("member %s: %w", m.ID, err)
	}
	dir := sw.MemberDir(idx)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("member %s: %v", m.ID, err)
	}
	logPath := filepath.Join(dir, MemberLog)
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("member %s: %v", m.ID, err)
	}
	defer logf.Close()
	lock, err := lockMember(logPath, m.ID)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()

	prev, err := ReadMemberState(dir)
	if err != nil {
		return nil, err
	}
	if prev != nil && prev.State == Done {
		return prev, nil
	}
	var w io.Writer = logf
	if o.Output != nil {
		w = io.MultiWriter(logf, o.Output)
	}
	st := &MemberState{State: Running, Attempt: 1, Started: time.Now().UTC(), PID: os.Getpid()}
	if prev != nil {
		st.Attempt = prev.Attempt + 1
		st.Wall = prev.Wall
	}
	st.Host, _ = os.Hostname()
	if j, t := os.Getenv("SLURM_ARRAY_JOB_ID"), os.Getenv("SLURM_ARRAY_TASK_ID"); j != "" {
		st.SlurmJob = j + "_" + t
	}
	_, statErr := os.Stat(filepath.Join(dir, train.LastFile))
	resume := statErr == nil
	if !resume {
		if err := sw.setAside(dir, m.ID, st.Attempt-1); err != nil {
			return nil, err
		}
	}
	if err := writeMemberState(dir, st); err != nil {
		return nil, fmt.Errorf("member %s: %v", m.ID, err)
	}
	how := "training"
	if resume {
		how = "resuming from " + train.LastFile
	}
	fmt.Fprintf(w, "== member %s attempt %d: %s (%s) on %s, pid %d%s, %s\n", m.ID, st.Attempt, how, m.describe(sw.Spec), st.Host, st.PID, slurmText(st.SlurmJob), st.Started.Format(time.RFC3339))

	t0 := time.Now()
	opts := run.Options{Output: w, Allow: []string{MemberFile, MemberLog}}
	var oc *run.Outcome
	if s, serr := run.ReadSummary(dir); resume && serr == nil && (s.Status == train.Converged || s.Status == train.StepLimit) {
		// Training ended but its report was not written (the worker was
		// killed in between): report it, train nothing more.
		fmt.Fprintf(w, "== member %s: training ended (%s at step %d); writing its report\n", m.ID, s.Status, s.Steps)
		oc, err = run.Finish(r, dir)
	} else if resume {
		oc, err = run.Resume(ctx, r, dir, opts)
	} else {
		oc, err = run.Train(ctx, r, dir, opts)
	}
	st.Wall += time.Since(t0).Seconds()
	st.Ended = time.Now().UTC()
	if oc != nil && oc.Train != nil {
		st.Step = oc.Train.Step
		st.TrainStatus = oc.Train.Status.String()
	}
	interrupted := errors.Is(err, context.Canceled) || (err == nil && oc != nil && oc.Train != nil && oc.Train.Status == train.Interrupted) || (err == nil && oc != nil && oc.Train == nil)
	switch {
	case interrupted:
		st.State = Interrupted
		err = fmt.Errorf("member %s: %w after step %d: %w", m.ID, ErrMemberInterrupted, st.Step, context.Canceled)
	case err != nil:
		st.State = Failed
		st.Error = err.Error()
		err = fmt.Errorf("member %s: %w", m.ID, err)
	default:
		st.State = Done
	}
	fmt.Fprintf(w, "== member %s: %s at step %d, %.1f s%s\n", m.ID, st.State, st.Step, st.Wall, errorText(st.Error))
	if werr := writeMemberState(dir, st); werr != nil && err == nil {
		err = fmt.Errorf("member %s: %v", m.ID, werr)
	}
	return st, err
}

// lockMember takes member id's lock. A status check holds it for an
// instant, so a worker that finds it taken tries for a few seconds before
// it gives up.
func lockMember(logPath, id string) (*run.Lock, error) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		lock, err := run.LockDir(logPath, "member "+id)
		if err == nil {
			return lock, nil
		}
		if !errors.Is(err, run.ErrLocked) {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("member %s is running in another worker (it holds %s): %w", id, logPath, ErrMemberRunning)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// setAside moves what an attempt without a checkpoint left in dir (all
// but member.json and member.log) to OUT/attempts/<id>-<attempt>/, so
// the member starts again in an empty directory and nothing is deleted.
func (sw *Sweep) setAside(dir, id string, attempt int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("member %s: %v", id, err)
	}
	entries = slices.DeleteFunc(entries, func(e os.DirEntry) bool { return e.Name() == MemberFile || e.Name() == MemberLog })
	if len(entries) == 0 {
		return nil
	}
	dst := filepath.Join(sw.Dir, AttemptsDir, fmt.Sprintf("%s-%d", id, attempt))
	for k := 1; ; k++ {
		_, err := os.Stat(dst)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil || k > 1000 {
			return fmt.Errorf("member %s: cannot set aside the failed attempt in %s: %v", id, filepath.Join(sw.Dir, AttemptsDir), err)
		}
		dst = filepath.Join(sw.Dir, AttemptsDir, fmt.Sprintf("%s-%d.%d", id, attempt, k))
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("member %s: %v", id, err)
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(dir, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return fmt.Errorf("member %s: set aside the failed attempt: %v", id, err)
		}
	}
	return nil
}

// ReadMemberState reads a member's member.json (nil, nil when it has
// none).
func ReadMemberState(dir string) (*MemberState, error) {
	path := filepath.Join(dir, MemberFile)
	data, err := config.ReadLimited(path, 1<<20)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var st MemberState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	switch st.State {
	case Running, Done, Failed, Interrupted:
	default:
		return nil, fmt.Errorf("%s: state = %q is not allowed: running, done, failed or interrupted", path, st.State)
	}
	return &st, nil
}

func writeMemberState(dir string, st *MemberState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return npz.WriteFileAtomic(filepath.Join(dir, MemberFile), func(w io.Writer) error { _, err := w.Write(b); return err })
}

func slurmText(job string) string {
	if job == "" {
		return ""
	}
	return ", Slurm job " + job
}

func errorText(e string) string {
	if e == "" {
		return ""
	}
	return ": " + e
}
