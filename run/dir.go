package run

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/mask"
	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/train"
)

// The files of a run directory besides train's (last.npz, best.npz,
// history.csv, summary.json).
const (
	ConfigFile  = "config.json"  // the fully resolved run config
	MetricsFile = "metrics.json" // the best network on the evaluation trials
	FiguresDir  = "figures"      // the figures of WriteFigures
	EvalDir     = "eval"         // Dir.Eval's reports
)

// RunFiles are the files a run directory owns: train's and the run's.
var RunFiles = []string{ConfigFile, MetricsFile, train.LastFile, train.BestFile, train.HistoryFile, train.SummaryFile}

// CheckOutput refuses to write a file at path that would replace a run
// directory's own file (path names one of RunFiles in a folder that holds
// a config.json), so that no command overwrites a run with something
// else; role names path in the error (a flag, say).
func CheckOutput(path, role string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("%s = %q: %v", role, path, err)
	}
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
		for _, f := range RunFiles {
			if base == f {
				return config.Errorf("%s = %q is not allowed: it is the run directory %s's own %s; write elsewhere", role, path, dir, f)
			}
		}
	}
	return nil
}

// FailedError is a failure after the run directory was written to: the
// run itself failed (a non-finite loss, a full disk), not its input. The
// last good checkpoint is in Dir.
type FailedError struct {
	Dir string
	Err error
}

func (e *FailedError) Error() string {
	return fmt.Sprintf("%v (the last good checkpoint is in %s)", e.Err, e.Dir)
}

func (e *FailedError) Unwrap() error { return e.Err }

// Options are how Train and Resume report while they run. Train and Resume
// always write the run directory (train.RunFiles); Output, when not nil,
// gets train's Progress recorder (a bar on a terminal, log lines every
// train.log_every steps elsewhere) unless Quiet or train.quiet is set;
// Recorders are more recorders of the caller's, after those.
type Options struct {
	Output    io.Writer
	Quiet     bool
	Recorders []train.Recorder
	// Allow names entries a caller put in a new run directory before
	// Train (a sweep member's log and state file): Train accepts a
	// directory holding only those and leaves them alone. They must not
	// be names of the run's own files.
	Allow []string
}

// Outcome is what a training run ends with.
type Outcome struct {
	Dir string
	// Train is train's result (nil if the run was stopped before its
	// first step).
	Train *train.Result
	// Checkpoint is the checkpoint judged (best.npz, else last.npz).
	Checkpoint string
	// Metrics is what metrics.json holds.
	Metrics Metrics
	// Figures are the paths of the figures written.
	Figures []string
	// Warnings are what did not stop the run but should be said: the
	// figures that could not be drawn, one line each.
	Warnings []string
}

// Train trains the resolved run r into the run directory dir, which must
// not exist or be empty: config.json first, then train's checkpoints and
// history, then metrics.json and the figures of the network in best.npz on
// the run's evaluation trials. Everything is checked before the first
// write (the model, the training options, the memory the run needs), so
// an error that is not a *FailedError has written nothing. Train holds
// dir's lock (LockDir) while it runs; an error once dir is written to is
// a *FailedError. A cancelled ctx stops the run cleanly (train writes a
// checkpoint) and it is still reported.
func Train(ctx context.Context, r *Resolved, dir string, o Options) (*Outcome, error) {
	if err := r.CheckMemory(); err != nil {
		return nil, err
	}
	model, err := rnn.New(r.Model, nil)
	if err != nil {
		return nil, inSection("model", err)
	}
	tr, err := train.NewTrainer(model, r.Task, r.trainOptions(dir, o))
	if err != nil {
		return nil, inSection("train", err)
	}
	for _, a := range o.Allow {
		if slices.Contains(RunFiles, a) || a == "" || a != filepath.Base(a) {
			return nil, fmt.Errorf("run options: allow = %q is not allowed: a plain file name that is not one of the run's files", a)
		}
	}
	if err := checkNewDir(dir, "run directory", o.Allow); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("run directory %s: %v", dir, err)
	}
	lock, err := LockDir(dir, "run directory")
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	// Another process may have filled dir between the check and the lock.
	if err := checkNewDir(dir, "run directory", o.Allow); err != nil {
		return nil, err
	}
	if err := r.writeConfig(dir); err != nil {
		return nil, err
	}
	res, runErr := tr.Run(ctx)
	return r.finish(dir, res, runErr)
}

// Resume continues the run in dir from its last.npz up to r's
// train.steps (r is dir's config, resolved, possibly with more steps), then
// reports it as Train does. It takes dir's lock first and checks the
// checkpoint, its trainer state, the history and r against each other
// before it writes anything (config.json is rewritten only then), so an
// error that is not a *FailedError has changed nothing.
func Resume(ctx context.Context, r *Resolved, dir string, o Options) (*Outcome, error) {
	if _, err := os.Stat(filepath.Join(dir, train.LastFile)); err != nil {
		return nil, fmt.Errorf("resume %s: no %s to resume from", dir, train.LastFile)
	}
	lock, err := LockDir(dir, "run directory")
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if err := r.CheckMemory(); err != nil {
		return nil, err
	}
	tr, err := train.OpenResume(dir, r.Task, r.trainOptions(dir, o))
	if err != nil {
		return nil, err
	}
	if err := r.checkModel(tr.Model()); err != nil {
		return nil, fmt.Errorf("resume %s: %w", filepath.Join(dir, train.LastFile), err)
	}
	// A process killed while it wrote a file of dir left its temporary
	// file behind; under the lock no write of ours can be running.
	for _, f := range RunFiles {
		if _, err := npz.RemoveStaleTemps(dir, f); err != nil {
			return nil, fmt.Errorf("resume %s: %v", dir, err)
		}
	}
	if err := r.writeConfig(dir); err != nil {
		return nil, err
	}
	res, runErr := tr.Run(ctx)
	return r.finish(dir, res, runErr)
}

// checkModel checks that a model read from a checkpoint is the network r
// describes: its dims (the task's inputs and outputs, hidden_size) and
// dynamics.
func (r *Resolved) checkModel(m *rnn.Model) error {
	got, want := m.Config(), r.Model
	if fmt.Sprint(got.Dims) != fmt.Sprint(want.Dims) {
		return fmt.Errorf("the checkpoint's network has dims %v, this run's config %v (task %q, hidden_size %d): it is another run's checkpoint", got.Dims, want.Dims, r.Task.Name(), want.Dims[1])
	}
	if got.Activation != want.Activation || got.Dt != want.Dt {
		return fmt.Errorf("the checkpoint's network has activation %s and dt %g, this run's config %s and %g: it is another run's checkpoint", got.Activation, got.Dt, want.Activation, want.Dt)
	}
	return nil
}

func (r *Resolved) writeConfig(dir string) error {
	b, err := Marshal(r.Config)
	if err == nil {
		err = npz.WriteFileAtomic(filepath.Join(dir, ConfigFile), func(w io.Writer) error { _, err := w.Write(b); return err })
	}
	if err != nil {
		return &FailedError{dir, err}
	}
	return nil
}

func (r *Resolved) trainOptions(dir string, o Options) train.Options {
	opts := r.Train
	opts.Name = r.Task.Name()
	opts.Recorders = train.RunFiles(dir)
	if o.Output != nil && !o.Quiet && !opts.Quiet {
		opts.Recorders = append(opts.Recorders, &train.Progress{W: o.Output, Every: opts.LogEvery})
	}
	opts.Recorders = append(opts.Recorders, o.Recorders...)
	return opts
}

// finish reports a finished (or stopped) run: metrics.json and figures
// from best.npz on the run's evaluation trials.
func (r *Resolved) finish(dir string, res *train.Result, runErr error) (*Outcome, error) {
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return nil, &FailedError{dir, runErr}
	}
	out := &Outcome{Dir: dir, Train: res}
	ckpt := filepath.Join(dir, train.BestFile)
	if _, err := os.Stat(ckpt); err != nil {
		ckpt = filepath.Join(dir, train.LastFile)
	}
	out.Checkpoint = ckpt
	m, _, err := rnn.Load(ckpt)
	if err != nil {
		return nil, &FailedError{dir, err}
	}
	bs, err := train.EvalBatches(r.Task, r.Train.EvalSeed, r.Train.EvalTrials, r.Train.BatchSize)
	if err != nil {
		return nil, &FailedError{dir, err}
	}
	ev, err := Evaluate(m, r.Task, bs)
	if err != nil {
		return nil, &FailedError{dir, err}
	}
	mt := ev.Metrics(r.Task.Name(), filepath.Base(ckpt), r.Train.EvalSeed)
	if res != nil {
		mt.Training, _ = json.Marshal(res)
	}
	out.Metrics = mt
	if err := WriteJSON(filepath.Join(dir, MetricsFile), mt); err != nil {
		return nil, &FailedError{dir, err}
	}
	var areas []int
	if r.Mask != nil {
		areas = AreaStarts(r.Mask.Areas(), r.Model.Dims[1])
	}
	var ferr error
	if out.Figures, ferr = WriteFigures(dir, m, r.Task, ev, areas); ferr != nil {
		out.Warnings = append(out.Warnings, strings.Split(ferr.Error(), "\n")...)
	}
	return out, runErr
}

// AreaStarts gives the first neuron of every area but the first: the
// boundaries drawn on mask and weight figures.
func AreaStarts(areas []mask.Area, n int) []int {
	var starts []int
	for i, a := range areas {
		if i == 0 || len(a.Indices) == 0 || a.Indices[0] <= 0 || a.Indices[0] >= n {
			continue
		}
		starts = append(starts, a.Indices[0])
	}
	return starts
}

// CheckNewDir refuses a run directory that exists and is not empty, so a
// run never mixes its files with another's; role names dir in the error
// (a flag, say). Train checks it too, as it creates dir.
func CheckNewDir(dir, role string) error { return checkNewDir(dir, role, nil) }

// checkNewDir is CheckNewDir accepting the entries named in allow.
func checkNewDir(dir, role string, allow []string) error {
	entries, err := os.ReadDir(dir)
	entries = slices.DeleteFunc(entries, func(e os.DirEntry) bool { return slices.Contains(allow, e.Name()) })
	switch {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("%s %s is not empty: choose a new directory (or resume it)", role, dir)
	case err != nil && !os.IsNotExist(err):
		return fmt.Errorf("%s %s: %v", role, dir, err)
	}
	return nil
}

// Dir is a run directory written by Train, opened to judge or export its
// networks.
type Dir struct {
	Path string
	// Config is its config.json, and Resolved what it resolves to (relative
	// paths against Path).
	Config Config
	*Resolved
}

// ReadConfig reads the config.json of the run directory dir. role names
// dir in errors (a flag, say).
func ReadConfig(dir, role string) (Config, error) {
	path := filepath.Join(dir, ConfigFile)
	data, err := readLimited(path)
	if err != nil {
		return Config{}, fmt.Errorf("%s %s is not a run directory: %v", role, dir, err)
	}
	return Parse(data, path)
}

// Open reads the run directory dir (its config.json) and resolves it
// (relative paths against dir). role names dir in errors.
func Open(dir, role string) (*Dir, error) {
	rc, err := ReadConfig(dir, role)
	if err != nil {
		return nil, err
	}
	r, err := Resolve(rc, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ConfigFile), err)
	}
	return &Dir{Path: dir, Config: rc, Resolved: r}, nil
}

// DefaultEvalSeed is the seed of fresh trials for a run of seed s: training
// draws from s and evaluation from s + 1, so s + 2 is unseen.
func DefaultEvalSeed(s uint64) uint64 { return s + 2 }

// Load loads the run's checkpoint "best" or "last" and checks that it fits
// the run's task.
func (d *Dir) Load(checkpoint string) (*rnn.Model, string, error) {
	var file string
	switch checkpoint {
	case "best":
		file = train.BestFile
	case "last":
		file = train.LastFile
	default:
		return nil, "", invalid("checkpoint", fmt.Sprintf("%q", checkpoint), "must be best or last")
	}
	path := filepath.Join(d.Path, file)
	m, _, err := rnn.Load(path)
	if err != nil {
		return nil, "", err
	}
	if dm := m.Dims(); dm[0] != d.Model.Dims[0] || dm[2] != d.Model.Dims[2] {
		return nil, "", fmt.Errorf("%s has dims %v but the run's task needs %v", path, dm, d.Model.Dims)
	}
	return m, path, nil
}

// MaxFreshTrials bounds the fresh trials of Fresh.
const MaxFreshTrials = 100000

// Fresh evaluates m on trials fresh trials of the run's task drawn with
// seed.
func (d *Dir) Fresh(m *rnn.Model, seed uint64, trials int) (*Evaluation, error) {
	if trials <= 0 || trials > MaxFreshTrials {
		return nil, invalid("trials", trials, "must be in [1, %d]", MaxFreshTrials)
	}
	if err := d.checkFreshMemory(m, trials); err != nil {
		return nil, err
	}
	bs, err := train.EvalBatches(d.Task, seed, trials, d.Train.BatchSize)
	if err != nil {
		return nil, err
	}
	return Evaluate(m, d.Task, bs)
}

// Report is what Eval wrote.
type Report struct {
	Metrics Metrics
	// JSON is the metrics file, Figure the psychometric figure ("" when the
	// task has no curve).
	JSON, Figure string
	Evaluation   *Evaluation
}

// Eval judges m, loaded from the run's checkpoint at path (Load), on trials
// fresh trials drawn with seed and writes eval/seedS-NAME.json (NAME:
// "best" or "last", from the checkpoint's file name) and its psychometric
// figure.
func (d *Dir) Eval(m *rnn.Model, path string, seed uint64, trials int) (*Report, error) {
	return d.EvalTo(filepath.Join(d.Path, EvalDir), m, path, seed, trials)
}

// EvalTo is Eval writing into the folder out instead of the run
// directory's eval/ (for a run directory that is read-only, say). The
// JSON and the figure are written atomically; Report.Figure is "" when no
// psychometric figure was drawn.
func (d *Dir) EvalTo(out string, m *rnn.Model, path string, seed uint64, trials int) (*Report, error) {
	ev, err := d.Fresh(m, seed, trials)
	if err != nil {
		return nil, err
	}
	rep := &Report{Metrics: ev.Metrics(d.Task.Name(), filepath.Base(path), seed), Evaluation: ev}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("seed%d-%s", seed, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)))
	rep.JSON = filepath.Join(out, name+".json")
	if err := WriteJSON(rep.JSON, rep.Metrics); err != nil {
		return nil, err
	}
	if len(ev.Curves()) > 0 {
		fig := filepath.Join(out, name+"-psychometric.png")
		if err := PsychometricFigure(fig, d.Task, ev.Curves()); err != nil {
			return nil, err
		}
		if _, err := os.Stat(fig); err == nil {
			rep.Figure = fig
		}
	}
	return rep, nil
}

// Finish reports again a run directory whose training ended (converged
// or at its step limit, as summary.json says) but whose report may be
// missing, its process killed while it wrote metrics.json or the
// figures: it writes them as Train does at its end, from best.npz, and
// trains nothing. A run that did not end is an error.
func Finish(r *Resolved, dir string) (*Outcome, error) {
	s, err := ReadSummary(dir)
	if err != nil {
		return nil, err
	}
	if s.Status != train.Converged && s.Status != train.StepLimit {
		return nil, fmt.Errorf("run directory %s: its training did not end (status %s): resume it", dir, s.Status)
	}
	lock, err := LockDir(dir, "run directory")
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	res := &train.Result{Status: s.Status, Step: s.Steps, Stage: s.Stage, Loss: s.Loss, Eval: s.Eval, Best: s.Best, Measure: s.Measure,
		Wall: time.Duration(s.WallSeconds * float64(time.Second)), StepsPerSecond: s.StepsPerSecond, Error: s.Error}
	return r.finish(dir, res, nil)
}

// ReadSummary reads the summary.json train wrote at the end of a run in
// dir (its status, steps, last and best evaluations).
func ReadSummary(dir string) (*train.Summary, error) {
	path := filepath.Join(dir, train.SummaryFile)
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	var s train.Summary
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &s, nil
}
