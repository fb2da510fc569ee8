package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/npz"
)

// SubmitOptions submit members to Slurm.
type SubmitOptions struct {
	// Command is the worker every array task runs, as in LocalOptions: a
	// dale binary reachable from the compute nodes (and any leading
	// arguments). Empty: this process's own executable.
	Command []string
	// Slurm replaces the spec's sbatch options where it sets them.
	Slurm SlurmOptions
	// Sbatch is the sbatch program ("" = "sbatch" on PATH).
	Sbatch string
}

// MaxArrayIndex is the largest member index one job array takes on a
// default Slurm (MaxArraySize = 1001).
const MaxArrayIndex = 1000

// Script returns the batch script of one job array running members
// indices: "#SBATCH --array=<indices>%<max_parallel>", every array task
// running the worker for member $SLURM_ARRAY_TASK_ID with GOMAXPROCS set
// to the sweep's threads, Slurm's output in OUT/slurm/%A_%a.out (the
// member's own log is in its run directory).
func (sw *Sweep) Script(indices []int, o SubmitOptions) ([]byte, error) {
	indices, err := sw.checkIndices(indices)
	if err != nil {
		return nil, err
	}
	if len(indices) == 0 {
		return nil, errors.New("sweep: no members to submit")
	}
	if last := indices[len(indices)-1]; last > MaxArrayIndex {
		return nil, fmt.Errorf("sweep: member %d is beyond Slurm's default array index limit %d: split the sweep", last, MaxArrayIndex)
	}
	opt := sw.slurmOptions(o.Slurm)
	if err := opt.check(); err != nil {
		return nil, err
	}
	command, err := workerCommand(o.Command)
	if err != nil {
		return nil, err
	}
	out, err := filepath.Abs(sw.Dir)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("#!/bin/bash\n")
	fmt.Fprintf(&b, "#SBATCH --job-name=%s\n", jobName(out))
	array := arrayList(indices)
	if opt.MaxParallel > 0 {
		array += "%" + strconv.Itoa(opt.MaxParallel)
	}
	fmt.Fprintf(&b, "#SBATCH --array=%s\n", array)
	fmt.Fprintf(&b, "#SBATCH --output=%s\n", filepath.Join(out, SlurmDir, "%A_%a.out"))
	fmt.Fprintf(&b, "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=%d\n", opt.CPUsPerTask)
	for _, kv := range [][2]string{{"partition", opt.Partition}, {"time", opt.Time}, {"mem", opt.Mem}} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "#SBATCH --%s=%s\n", kv[0], kv[1])
		}
	}
	for _, l := range opt.Extra {
		b.WriteString(l + "\n")
	}
	b.WriteString("# written by dale sweep: one array task per sweep member\n")
	fmt.Fprintf(&b, "export GOMAXPROCS=%d\n", sw.Threads())
	b.WriteString("exec")
	for _, w := range command {
		b.WriteString(" " + shellQuote(w))
	}
	fmt.Fprintf(&b, " sweep member %s --index \"$SLURM_ARRAY_TASK_ID\"\n", shellQuote(out))
	return b.Bytes(), nil
}

// Submit writes the batch script for members indices (nil: every member
// not finished and not in the queue) to OUT/slurm/submit-<k>.sh, submits
// it with sbatch and records the job in OUT/sweep.json. It holds OUT's
// lock while it does.
func (sw *Sweep) Submit(ctx context.Context, indices []int, o SubmitOptions) (*Job, error) {
	lock, err := sw.Lock()
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if indices == nil {
		if indices, err = sw.todo(ctx, true); err != nil {
			return nil, err
		}
	}
	script, err := sw.Script(indices, o)
	if err != nil {
		return nil, err
	}
	sbatch := o.Sbatch
	if sbatch == "" {
		sbatch = "sbatch"
	}
	if _, err := exec.LookPath(sbatch); err != nil {
		return nil, fmt.Errorf("sweep: backend slurm needs %s: %v", sbatch, err)
	}
	if err := os.MkdirAll(filepath.Join(sw.Dir, SlurmDir), 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(sw.Dir, SlurmDir, fmt.Sprintf("submit-%d.sh", len(sw.Jobs)+1))
	if err := npz.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(script); return err }); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, sbatch, "--parsable", path)
	cmd.Dir = sw.Dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	outb, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("sbatch %s: %v: %s", path, err, strings.Join(strings.Fields(stderr.String()), " "))
	}
	// --parsable prints "<id>[;<cluster>]" as its last line.
	lines := strings.Fields(string(outb))
	id := ""
	if len(lines) > 0 {
		id, _, _ = strings.Cut(lines[len(lines)-1], ";")
	}
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(id) {
		return nil, fmt.Errorf("sbatch %s: unexpected answer %q (want a job id); check squeue before submitting again", path, strings.TrimSpace(string(outb)))
	}
	indices, _ = sw.checkIndices(indices)
	job := Job{ID: id, Indices: indices, Script: path, Submitted: time.Now().UTC()}
	sw.Jobs = append(sw.Jobs, job)
	if err := sw.save(time.Now()); err != nil {
		return &job, fmt.Errorf("job %s submitted, but %s could not be updated: %v", id, StateFile, err)
	}
	return &job, nil
}

// CheckSlurm checks the sbatch options the spec and o make together, and
// that every member fits one job array, before anything is written.
func (s *Spec) CheckSlurm(o SlurmOptions) error {
	if n := s.Len(); n-1 > MaxArrayIndex {
		return config.Errorf("--backend = slurm is not allowed for %d members: one job array takes indices up to %d; split the sweep", n, MaxArrayIndex)
	}
	return (&Sweep{Spec: s}).slurmOptions(o).check()
}

// slurmOptions merges the spec's options with o (o's set fields win).
func (sw *Sweep) slurmOptions(o SlurmOptions) SlurmOptions {
	opt := sw.Spec.Slurm
	if o.Partition != "" {
		opt.Partition = o.Partition
	}
	if o.Time != "" {
		opt.Time = o.Time
	}
	if o.Mem != "" {
		opt.Mem = o.Mem
	}
	if o.CPUsPerTask > 0 {
		opt.CPUsPerTask = o.CPUsPerTask
	}
	if o.MaxParallel > 0 {
		opt.MaxParallel = o.MaxParallel
	}
	opt.Extra = append(append([]string(nil), opt.Extra...), o.Extra...)
	if opt.CPUsPerTask == 0 {
		opt.CPUsPerTask = sw.Threads()
	}
	return opt
}

func workerCommand(c []string) ([]string, error) {
	if len(c) > 0 {
		return c, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("sweep: the worker command: %v", err)
	}
	return []string{exe}, nil
}

// arrayList writes sorted indices as Slurm's array list: runs of
// consecutive indices as ranges ("0-7", "1,3,5-9").
func arrayList(indices []int) string {
	var parts []string
	for i := 0; i < len(indices); {
		j := i
		for j+1 < len(indices) && indices[j+1] == indices[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", indices[i], indices[j]))
		} else {
			parts = append(parts, strconv.Itoa(indices[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// jobName is "dale-<OUT's base name>" with only safe characters.
func jobName(out string) string {
	name := regexp.MustCompile(`[^A-Za-z0-9_.-]`).ReplaceAllString(filepath.Base(out), "_")
	return "dale-" + name
}

// shellQuote quotes s for bash.
func shellQuote(s string) string {
	if regexp.MustCompile(`^[A-Za-z0-9_./=:,+-]+$`).MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
