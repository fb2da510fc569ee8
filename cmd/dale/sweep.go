package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"github.com/dale-rnn/dale/sweep"
)

func init() {
	register(&command{
		name:    "sweep",
		summary: "run a grid of configs × seeds on a local worker pool or a Slurm job array; status, resume, collect",
		run:     runSweep,
	})
}

const sweepSynopsis = `sweep --spec S.json --out OUT [--backend local|slurm] [flags]
       dale sweep status OUT
       dale sweep resume OUT [--backend local|slurm] [flags]
       dale sweep collect OUT
       dale sweep member OUT --index I   (one member: what the workers run)`

const sweepFooter = `A spec is {"base": <run config>, "axes": {"<json path>": [values], ...},
"zip": [["path", "path"]], "threads": T, "slurm": {"partition", "time",
"cpus_per_task", "mem", "max_parallel", "extra": ["#SBATCH ..."]}}; axes
are crossed as a grid (last axis fastest), zipped axes move together.
Each member is a run directory OUT/runs/<id>/ (dale eval/analyze/export
work on it) with its member.json and member.log.

exit status:
  0  done (slurm: submitted)
  1  a member failed (the others ran; see dale sweep status / collect)
  2  bad input (flags, spec, a sweep directory in use): nothing was written
  3  interrupted: running members saved their checkpoints; dale sweep resume OUT`

func runSweep(ctx context.Context, args []string, e *env) error {
	if len(args) > 0 {
		switch args[0] {
		case "status":
			return sweepStatus(ctx, args[1:], e)
		case "resume":
			return sweepResume(ctx, args[1:], e)
		case "collect":
			return sweepCollect(ctx, args[1:], e)
		case "member":
			return sweepMember(ctx, args[1:], e)
		}
	}
	fs := newFlagSet("sweep", sweepSynopsis, e)
	fs.footer = sweepFooter
	specPath := fs.String("spec", "", "sweep spec (JSON): base run config, axes, zip, threads, slurm")
	out := fs.String("out", "", "sweep directory to create (must not exist or be empty)")
	bk := addBackendFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *specPath == "" || *out == "" {
		return errors.New("--spec and --out are required (see dale sweep --help)")
	}
	if err := bk.check(); err != nil {
		return err
	}
	backend := bk.backend
	if backend == "" {
		backend = sweep.Local
	}
	if backend == sweep.Slurm {
		if _, err := exec.LookPath("sbatch"); err != nil {
			return fmt.Errorf("--backend = slurm is not allowed here: sbatch is not on PATH (%v)", err)
		}
	}
	spec, err := sweep.Load(*specPath)
	if err != nil {
		return err
	}
	if backend == sweep.Slurm {
		if err := spec.CheckSlurm(bk.slurm); err != nil {
			return err
		}
	}
	sw, err := sweep.Create(spec, *out, backend)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "dale sweep: %d members, %d thread(s) each, backend %s; sweep directory %s\n", sw.Len(), sw.Threads(), backend, *out)
	return drive(ctx, sw, backend, nil, bk, e)
}

// backendFlags are the flags of dale sweep and dale sweep resume that
// say where members run.
type backendFlags struct {
	backend  string
	workers  *int
	quiet    *bool
	slurm    sweep.SlurmOptions
	cpus     *int
	parallel *int
}

func addBackendFlags(fs *flagSet) *backendFlags {
	b := &backendFlags{}
	fs.Func("backend", "where members run: local (a pool of worker processes) or slurm (one sbatch job array); resume: default the sweep's", func(s string) error {
		if s != sweep.Local && s != sweep.Slurm {
			return fmt.Errorf("must be local or slurm")
		}
		b.backend = s
		return nil
	})
	b.workers = fs.Int("workers", 0, "local: members at once (0: cores ÷ threads per member)")
	b.quiet = fs.Bool("quiet", false, "local: no progress")
	fs.StringVar(&b.slurm.Partition, "partition", "", "slurm: partition (replaces the spec's)")
	fs.StringVar(&b.slurm.Time, "time", "", "slurm: time limit of one member, e.g. 02:00:00")
	fs.StringVar(&b.slurm.Mem, "mem", "", "slurm: memory of one member, e.g. 4G")
	b.cpus = fs.Int("cpus-per-task", 0, "slurm: CPUs of one member (0: the spec's, else its threads)")
	b.parallel = fs.Int("max-parallel", 0, "slurm: most members running at once (the array's %N; 0: the spec's)")
	fs.Func("sbatch-line", "slurm: one more '#SBATCH ...' header line (repeatable)", func(s string) error {
		b.slurm.Extra = append(b.slurm.Extra, s)
		return nil
	})
	return b
}

func (b *backendFlags) check() error {
	if *b.workers < 0 {
		return fmt.Errorf("--workers = %d is not allowed: must be >= 0", *b.workers)
	}
	if *b.cpus < 0 {
		return fmt.Errorf("--cpus-per-task = %d is not allowed: must be >= 0", *b.cpus)
	}
	if *b.parallel < 0 {
		return fmt.Errorf("--max-parallel = %d is not allowed: must be >= 0", *b.parallel)
	}
	b.slurm.CPUsPerTask, b.slurm.MaxParallel = *b.cpus, *b.parallel
	return nil
}

// drive runs members indices (nil: every unfinished one) on backend.
func drive(ctx context.Context, sw *sweep.Sweep, backend string, indices []int, bk *backendFlags, e *env) error {
	if backend == sweep.Slurm {
		job, err := sw.Submit(ctx, indices, sweep.SubmitOptions{Slurm: bk.slurm})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "dale sweep: submitted job array %s (%d members, script %s); follow it with dale sweep status %s\n", job.ID, len(job.Indices), job.Script, sw.Dir)
		return nil
	}
	lo := sweep.LocalOptions{Workers: *bk.workers}
	if !*bk.quiet {
		lo.Output = e.stderr
	}
	sum, err := sw.RunLocal(ctx, indices, lo)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "dale sweep: %d done, %d failed, %d interrupted\n", sum.Done, sum.Failed, sum.Interrupted)
	if ctx.Err() != nil || sum.Interrupted > 0 {
		return fmt.Errorf("%w: continue with dale sweep resume %s", errInterrupted, sw.Dir)
	}
	if err := collect(sw, nil, e); err != nil {
		return err
	}
	if sum.Failed > 0 {
		return runtimeError{fmt.Errorf("%d member(s) failed (see dale sweep status %s); dale sweep resume %s runs them again", sum.Failed, sw.Dir, sw.Dir)}
	}
	return nil
}

// parseWithDir parses flags and exactly one positional argument (the
// sweep directory), in any order.
func parseWithDir(fs *flagSet, args []string) (string, error) {
	var pos []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.help()
			}
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(pos) != 1 {
		return "", fmt.Errorf("want one sweep directory, got %d arguments %q (see --help)", len(pos), pos)
	}
	return pos[0], nil
}

// openSweepArg parses flags and the sweep directory argument and opens it.
func openSweepArg(fs *flagSet, args []string) (*sweep.Sweep, error) {
	dir, err := parseWithDir(fs, args)
	if err != nil {
		return nil, err
	}
	return sweep.Open(dir)
}

func sweepMember(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sweep member", "sweep member OUT --index I", e)
	fs.footer = "exit status: 0 done, 1 the run failed, 2 bad input or the member is running elsewhere, 3 interrupted (checkpoint saved)"
	index := fs.Int("index", -1, "member index (0-based; under Slurm $SLURM_ARRAY_TASK_ID)")
	sw, err := openSweepArg(fs, args)
	if err != nil {
		return err
	}
	if *index < 0 || *index >= sw.Len() {
		return fmt.Errorf("--index = %d is not allowed: the sweep has members 0 to %d", *index, sw.Len()-1)
	}
	// The member's numbers depend on GOMAXPROCS: it runs on the sweep's
	// threads whoever starts it.
	runtime.GOMAXPROCS(sw.Threads())
	st, err := sw.RunMember(ctx, *index, sweep.MemberOptions{})
	switch {
	case errors.Is(err, sweep.ErrMemberInterrupted):
		return fmt.Errorf("%w: %v", errInterrupted, err)
	case err != nil && st != nil:
		return runtimeError{err}
	case err != nil:
		return err
	}
	fmt.Fprintf(e.stdout, "dale sweep member %s: %s at step %d\n", sw.MemberDir(*index), st.State, st.Step)
	return nil
}

// queueOf asks Slurm for the sweep's queued tasks when it has jobs; a
// missing squeue is said, not fatal.
func queueOf(ctx context.Context, sw *sweep.Sweep, e *env) map[int]string {
	if len(sw.Jobs) == 0 {
		return nil
	}
	q, err := sw.SlurmQueue(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "dale sweep: %v (states from the members' files only)\n", err)
		return nil
	}
	return q
}

func sweepStatus(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sweep status", "sweep status OUT [--json]", e)
	asJSON := fs.Bool("json", false, "one JSON object per member instead of the table")
	sw, err := openSweepArg(fs, args)
	if err != nil {
		return err
	}
	queue := queueOf(ctx, sw, e)
	st, err := sw.Status(queue)
	if err != nil {
		return err
	}
	// Slurm's final states, where the cluster keeps accounting.
	var acct map[int]string
	if len(sw.Jobs) > 0 && !*asJSON {
		if acct, err = sw.SlurmAccounting(ctx); err != nil {
			fmt.Fprintf(e.stderr, "dale sweep: no Slurm accounting (%s): states from the members' files and squeue\n", strings.Join(strings.Fields(err.Error()), " "))
		}
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, m := range st {
			if err := enc.Encode(m); err != nil {
				return err
			}
		}
		return nil
	}
	var jobs []string
	for _, j := range sw.Jobs {
		jobs = append(jobs, j.ID)
	}
	fmt.Fprintf(e.stdout, "sweep %s: %d members, backend %s", sw.Dir, sw.Len(), sw.Backend)
	if len(jobs) > 0 {
		fmt.Fprintf(e.stdout, ", Slurm jobs %s", strings.Join(jobs, ", "))
	}
	fmt.Fprintln(e.stdout)
	counts := sweep.Counts(st)
	var parts []string
	for _, s := range sweep.States {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	fmt.Fprintf(e.stdout, "states: %s\n", strings.Join(parts, ", "))
	for _, m := range st {
		line := fmt.Sprintf("%s  %-11s", m.ID, m.State)
		if mm := m.Member; mm != nil {
			line += fmt.Sprintf(" step %6d  %7.1f s  attempt %d", mm.Step, mm.Wall, mm.Attempt)
			if mm.SlurmJob != "" {
				line += "  job " + mm.SlurmJob
			}
		}
		if m.Slurm != "" {
			line += "  slurm " + m.Slurm
		} else if a := acct[m.Index]; a != "" {
			line += "  sacct " + a
		}
		var vals []string
		for _, a := range sw.Spec.Axes {
			vals = append(vals, a.Path+"="+string(m.Values[a.Path]))
		}
		line += "  " + strings.Join(vals, " ")
		if mm := m.Member; mm != nil && mm.Error != "" {
			line += "  error: " + strings.Join(strings.Fields(mm.Error), " ")
		}
		fmt.Fprintln(e.stdout, line)
	}
	return nil
}

func sweepResume(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sweep resume", "sweep resume OUT [--backend local|slurm] [flags]", e)
	fs.footer = "Runs again every member not done and not running or queued: failed, interrupted, lost (its worker died) or never run; an interrupted or lost member continues from its last.npz."
	bk := addBackendFlags(fs)
	sw, err := openSweepArg(fs, args)
	if err != nil {
		return err
	}
	if err := bk.check(); err != nil {
		return err
	}
	backend := bk.backend
	if backend == "" {
		backend = sw.Backend
	}
	// A sweep with Slurm jobs needs the queue: without it, members still
	// queued or running would be submitted again.
	var queue map[int]string
	if len(sw.Jobs) > 0 {
		if queue, err = sw.SlurmQueue(ctx); err != nil {
			return fmt.Errorf("%v: resume needs squeue to know which members are still queued or running", err)
		}
	}
	if backend == sweep.Slurm {
		if err := sw.Spec.CheckSlurm(bk.slurm); err != nil {
			return err
		}
	}
	st, err := sw.Status(queue)
	if err != nil {
		return err
	}
	todo := sweep.Unfinished(st)
	if len(todo) == 0 {
		fmt.Fprintf(e.stdout, "dale sweep: nothing to resume in %s (%s)\n", sw.Dir, countsText(st))
		return nil
	}
	var ids []string
	for _, i := range todo {
		ids = append(ids, st[i].ID+" ("+st[i].State+")")
	}
	fmt.Fprintf(e.stdout, "dale sweep: resuming %d member(s) on %s: %s\n", len(todo), backend, strings.Join(ids, ", "))
	return drive(ctx, sw, backend, todo, bk, e)
}

func countsText(st []sweep.MemberStatus) string {
	c := sweep.Counts(st)
	var parts []string
	for _, k := range sweep.States {
		if c[k] > 0 {
			parts = append(parts, strconv.Itoa(c[k])+" "+k)
		}
	}
	return strings.Join(parts, ", ")
}

func sweepCollect(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sweep collect", "sweep collect OUT", e)
	sw, err := openSweepArg(fs, args)
	if err != nil {
		return err
	}
	lock, err := sw.Lock()
	if err != nil {
		return err
	}
	defer lock.Unlock()
	return collect(sw, queueOf(ctx, sw, e), e)
}

func collect(sw *sweep.Sweep, queue map[int]string, e *env) error {
	res, err := sw.Collect(queue)
	if err != nil {
		return err
	}
	paths, err := res.Write(sw.Dir)
	if err != nil {
		return runtimeError{err}
	}
	c := map[string]int{}
	for _, r := range res.Rows {
		c[r.State]++
	}
	fmt.Fprintf(e.stdout, "dale sweep: collected %d members (%d done); %s\n", len(res.Rows), c[sweep.Done], strings.Join(paths, ", "))
	return nil
}
