package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/run"
)

// MemberStatus is where one member stands.
type MemberStatus struct {
	Index int
	ID    string
	// Values are the member's axis values, by path, as JSON.
	Values map[string]json.RawMessage
	// State is one of Pending, Queued, Running, Done, Failed, Interrupted,
	// Lost.
	State string
	// Member is its member.json (nil when pending).
	Member *MemberState
	// Slurm is Slurm's state of the member's array task ("PENDING",
	// "RUNNING", ...), "" when it is not in the queue.
	Slurm string
}

// Finished reports whether the member needs no more work.
func (m MemberStatus) Finished() bool { return m.State == Done }

// Status reads every member's state from its own files (member.json, and
// whether a worker holds its lock). With queue (see SlurmQueue), a member
// waiting or running in Slurm's queue is Queued or Running even before
// its worker has written anything.
func (sw *Sweep) Status(queue map[int]string) ([]MemberStatus, error) {
	n := sw.Len()
	out := make([]MemberStatus, n)
	for idx := range n {
		m, err := sw.Spec.values(idx)
		if err != nil {
			return nil, err
		}
		ms := MemberStatus{Index: idx, ID: sw.Spec.id(idx), Values: m, State: Pending, Slurm: queue[idx]}
		dir := sw.MemberDir(idx)
		st, err := ReadMemberState(dir)
		if err != nil {
			return nil, fmt.Errorf("member %s: %v", ms.ID, err)
		}
		if st != nil {
			ms.Member = st
			ms.State = st.State
			if st.State == Running && !memberLocked(dir) {
				ms.State = Lost
			}
		}
		switch ms.Slurm {
		case "PENDING", "CONFIGURING", "REQUEUED", "RESIZING", "SUSPENDED":
			if ms.State != Running {
				ms.State = Queued
			}
		case "RUNNING", "COMPLETING":
			if ms.State != Done {
				ms.State = Running
			}
		}
		out[idx] = ms
	}
	return out, nil
}

// memberLocked reports whether a worker holds the member in dir.
func memberLocked(dir string) bool {
	lock, err := run.LockDir(filepath.Join(dir, MemberLog), "member")
	if err != nil {
		return errors.Is(err, run.ErrLocked)
	}
	lock.Unlock()
	return false
}

// Unfinished lists the members a resume runs again: every one not done,
// not running and not waiting in Slurm's queue.
func Unfinished(st []MemberStatus) []int {
	var out []int
	for _, m := range st {
		switch m.State {
		case Done, Running, Queued:
		default:
			out = append(out, m.Index)
		}
	}
	return out
}

// Counts tallies members by state.
func Counts(st []MemberStatus) map[string]int {
	c := map[string]int{}
	for _, m := range st {
		c[m.State]++
	}
	return c
}

// SlurmQueue asks squeue for the array tasks of the sweep's jobs still in
// Slurm's queue: member index → Slurm state. Without jobs it asks
// nothing and returns an empty map.
func (sw *Sweep) SlurmQueue(ctx context.Context) (map[int]string, error) {
	out := map[int]string{}
	if len(sw.Jobs) == 0 {
		return out, nil
	}
	ids := map[string]bool{}
	for _, j := range sw.Jobs {
		ids[j.ID] = true
	}
	// %F the array's job id, %K the task id, %T the state; -r lists every
	// pending task on its own line. No -j: squeue refuses ids that have
	// left the queue.
	cmd := exec.CommandContext(ctx, "squeue", "--me", "-h", "-r", "-o", "%F %K %T")
	b, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("squeue: %v: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return nil, fmt.Errorf("squeue: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) != 3 || !ids[f[0]] {
			continue
		}
		k, err := strconv.Atoi(f[1])
		if err != nil || k < 0 || k >= sw.Len() {
			continue
		}
		// A member with a running task is running, whatever other
		// task of it is queued.
		if old, ok := out[k]; !ok || old != "RUNNING" {
			out[k] = f[2]
		}
	}
	return out, nil
}

// SlurmAccounting asks sacct for the final states of the sweep's array
// tasks (member index → state such as COMPLETED, CANCELLED, FAILED). On
// a cluster without accounting it returns an error; callers treat it as
// optional, the members' own files being the record.
func (sw *Sweep) SlurmAccounting(ctx context.Context) (map[int]string, error) {
	out := map[int]string{}
	if len(sw.Jobs) == 0 {
		return out, nil
	}
	var ids []string
	for _, j := range sw.Jobs {
		ids = append(ids, j.ID)
	}
	cmd := exec.CommandContext(ctx, "sacct", "-n", "-X", "-P", "-o", "JobID,State", "-j", strings.Join(ids, ","))
	b, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("sacct: %v: %s", err, strings.TrimSpace(string(b)))
	}
	for line := range strings.Lines(string(b)) {
		f := strings.Split(strings.TrimSpace(line), "|")
		if len(f) != 2 {
			continue
		}
		_, task, ok := strings.Cut(f[0], "_")
		if !ok {
			continue
		}
		state := strings.Fields(f[1])
		if k, err := strconv.Atoi(task); err == nil && k >= 0 && k < sw.Len() && len(state) > 0 {
			out[k] = state[0]
		}
	}
	return out, nil
}

// values gives member idx's axis values without resolving its config.
func (s *Spec) values(idx int) (map[string]json.RawMessage, error) {
	n, err := s.size()
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= n {
		return nil, config.Errorf("index = %d is not allowed: the sweep has members 0 to %d", idx, n-1)
	}
	dims := s.dims()
	vals := map[string]json.RawMessage{}
	rest := idx
	for d := len(dims) - 1; d >= 0; d-- {
		k := len(s.axis(dims[d][0]).Values)
		for _, p := range dims[d] {
			vals[p] = s.axis(p).Values[rest%k]
		}
		rest /= k
	}
	return vals, nil
}

// checkIndices sorts indices, drops repeats and refuses one outside
// the sweep.
func (sw *Sweep) checkIndices(indices []int) ([]int, error) {
	out := slices.Clone(indices)
	slices.Sort(out)
	out = slices.Compact(out)
	for _, i := range out {
		if i < 0 || i >= sw.Len() {
			return nil, fmt.Errorf("index = %d is not allowed: the sweep has members 0 to %d", i, sw.Len()-1)
		}
	}
	return out, nil
}

// todo is what a run of the sweep with no indices given does: every
// member Unfinished, with Slurm's queue when withQueue.
func (sw *Sweep) todo(ctx context.Context, withQueue bool) ([]int, error) {
	var queue map[int]string
	if withQueue {
		q, err := sw.SlurmQueue(ctx)
		if err != nil {
			return nil, err
		}
		queue = q
	}
	st, err := sw.Status(queue)
	if err != nil {
		return nil, err
	}
	return Unfinished(st), nil
}
