package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/rnn"
)

// Recorder receives a Record after every training step (with Eval set at
// evaluation steps). An error it returns stops the run (status Failed).
//
// A run does no I/O of its own: printing progress, writing history.csv
// and writing checkpoints are recorders (Progress, History, Checkpoints)
// that a caller opts into through Options.Recorders, as the dale command
// does. A Recorder may also implement Starter and Finisher to be told
// when the run starts and ends.
type Recorder interface {
	Record(r Record) error
}

// Starter is implemented by a Recorder that wants to know when a run
// starts, before its first step. An error stops the run before any step,
// and the recorders started before it are finished with status Failed.
type Starter interface {
	Start(s Start) error
}

// Finisher is implemented by a Recorder that wants to know when a run
// ends (converged, step limit, interrupted or failed). Every started
// recorder is finished, in order, even after an error; the first error is
// returned.
type Finisher interface {
	Finish(f Finish) error
}

// RecorderFunc adapts a function to a Recorder.
type RecorderFunc func(r Record) error

// Record calls f.
func (f RecorderFunc) Record(r Record) error { return f(r) }

// Start is what a Starter sees when a run starts.
type Start struct {
	// Step is the number of steps already done (0, or the checkpoint's
	// step on a resume); Steps is the total the run trains to.
	Step, Steps int
	// Fresh is false on a resume.
	Fresh     bool
	LossNames []string
	// Measure is the run's measure; nil without a Score.
	Measure *Measure
	// Snapshot saves the state the run starts from.
	Snapshot Snapshot
}

// Finish is what a Finisher sees when a run ends.
type Finish struct {
	// Result is the run's result (Status Failed with Error set after an
	// error).
	Result *Result
	// Eval is the evaluation made at the end of the run (nil when none
	// was made: the last step was an evaluation step, evaluations are off,
	// the run was interrupted or failed); Best reports whether it is the
	// best evaluation so far.
	Eval *Eval
	Best bool
	// Snapshot saves the run's final state.
	Snapshot Snapshot
}

// Snapshot is the state of a run at one moment — the model, the optimiser
// state, the step, seeds, curriculum stage and best evaluation — as a
// Recorder is handed it. It is valid only during the call it is passed to.
type Snapshot struct {
	t    *trainer
	wall time.Duration
}

// Model is the model being trained (its parameters change after the call
// returns; copy what you keep).
func (s Snapshot) Model() *rnn.Model {
	if s.t == nil {
		return nil
	}
	return s.t.m
}

// Save writes a checkpoint to path (atomically): the model's own .npz
// (rnn.Model.Save) plus the trainer's state, which Resume reads back so the
// run continues bit for bit.
func (s Snapshot) Save(path string) error {
	if s.t == nil {
		return errors.New("train: snapshot: not taken by a run")
	}
	ex, err := s.t.extras(s.wall)
	if err != nil {
		return fmt.Errorf("train: checkpoint: %w", err)
	}
	if err := s.t.m.Save(path, ex...); err != nil {
		return fmt.Errorf("train: checkpoint %s: %w", filepath.Base(path), err)
	}
	return nil
}

// RunFiles returns the recorders that write a run directory: history.csv
// (History) and last.npz, best.npz and summary.json (Checkpoints), in the
// order that keeps the history on disk whenever a checkpoint is.
func RunFiles(dir string) []Recorder {
	return []Recorder{&History{Path: filepath.Join(dir, HistoryFile)}, &Checkpoints{Dir: dir}}
}

// History writes a run's history.csv at Path: one row per step with the
// columns step, stage, every loss term (unweighted), total, grad_norm, lr,
// the measure's column, eval_mse and wall_s; the measure's column and
// eval_mse are empty except at evaluation steps. The measure's column is
// "accuracy" for a run scored by accuracy (or not scored), "eval_<name>"
// for another measure ("eval_nmse", "eval_r"), and absent for measure
// "mse", whose values are those of eval_mse. Floats are written in Go's
// shortest exact form.
//
// A fresh run creates the file; a resumed run keeps its rows up to the
// checkpoint's step and appends after them. Rows are buffered and reach
// the file at every checkpoint step (Record.Checkpoint) and at the end, so
// put History before Checkpoints (as RunFiles does).
type History struct {
	Path string
	h    *history
	// kept are the rows Check read back for a resume at step keptAt, so
	// that Start does not read the file again.
	kept   [][]string
	keptAt int
	read   bool
}

// Check makes sure a resumed run's file reads back (a torn last row is
// fine: Start drops it); it writes nothing.
func (h *History) Check(s Start) error {
	if h.Path == "" {
		return errors.New("train: history: Path is empty")
	}
	if s.Fresh {
		return nil
	}
	rows, err := readHistoryRows(h.Path, historyHeader(s.LossNames, measureOf(s)), s.Step)
	if err != nil {
		return err
	}
	h.kept, h.keptAt, h.read = rows, s.Step, true
	return nil
}

func measureOf(s Start) Measure {
	if s.Measure != nil {
		return *s.Measure
	}
	return Measure{}
}

// Start creates or reopens the file.
func (h *History) Start(s Start) error {
	if h.Path == "" {
		return errors.New("train: history: Path is empty")
	}
	if err := os.MkdirAll(filepath.Dir(h.Path), 0o755); err != nil {
		return fmt.Errorf("train: run directory: %w", err)
	}
	m := measureOf(s)
	header := historyHeader(s.LossNames, m)
	var keep [][]string
	if !s.Fresh {
		if h.read && h.keptAt == s.Step {
			keep = h.kept
		} else {
			var err error
			if keep, err = readHistoryRows(h.Path, header, s.Step); err != nil {
				return err
			}
		}
	}
	h.kept, h.read = nil, false
	hist, err := openHistory(h.Path, header, measureColumn(m) != "", keep)
	if err != nil {
		return err
	}
	h.h = hist
	return nil
}

// Record adds the step's row.
func (h *History) Record(r Record) error {
	if h.h == nil {
		return errors.New("train: history: not started")
	}
	if err := h.h.add(r); err != nil {
		return err
	}
	if r.Checkpoint {
		return h.h.flush()
	}
	return nil
}

// Finish adds the final evaluation to the last row and closes the file.
func (h *History) Finish(f Finish) error {
	if h.h == nil {
		return nil
	}
	if f.Eval != nil {
		h.h.eval(f.Eval)
	}
	err := h.h.close()
	h.h = nil
	return err
}

// Checkpoints writes a run's checkpoints into Dir: last.npz at the start of
// a fresh run, at every checkpoint step (Options.CheckpointEvery) and at
// the end (also on interruption; after an error the last good one is
// kept), best.npz at every evaluation that is the best so far (or, when
// none was made, the final model), and summary.json at the end.
type Checkpoints struct {
	Dir string
}

// Start writes the first last.npz of a fresh run.
func (c *Checkpoints) Start(s Start) error {
	if c.Dir == "" {
		return errors.New("train: checkpoints: Dir is empty")
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("train: run directory: %w", err)
	}
	if s.Fresh {
		return s.Snapshot.Save(filepath.Join(c.Dir, LastFile))
	}
	return nil
}

// Record writes best.npz at a best evaluation and last.npz at a
// checkpoint step.
func (c *Checkpoints) Record(r Record) error {
	if r.Best {
		if err := r.Snapshot.Save(filepath.Join(c.Dir, BestFile)); err != nil {
			return err
		}
	}
	if r.Checkpoint {
		return r.Snapshot.Save(filepath.Join(c.Dir, LastFile))
	}
	return nil
}

// Finish writes the final last.npz (and best.npz when the final
// evaluation is the best, or when the run has no best evaluation at all)
// unless the run failed, then summary.json.
func (c *Checkpoints) Finish(f Finish) error {
	var first error
	if f.Result.Status != Failed {
		first = f.Snapshot.Save(filepath.Join(c.Dir, LastFile))
		if first == nil && (f.Best || f.Result.Best == nil) {
			first = f.Snapshot.Save(filepath.Join(c.Dir, BestFile))
		}
	}
	err := npz.WriteFileAtomic(filepath.Join(c.Dir, SummaryFile), func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(summary(f.Result))
	})
	if first == nil {
		first = err
	}
	return first
}
