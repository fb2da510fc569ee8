package train

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Progress is the Recorder that shows a run's progress on W: on a terminal
// a bar with the step, loss, the measure, steps/s and ETA; on anything
// else one line every Every steps (0 → 100) and one for the final
// evaluation. A nil
// W shows nothing.
type Progress struct {
	W     io.Writer
	Every int
	p     progress
}

// Start shows the run's start (the bar, or nothing yet).
func (p *Progress) Start(s Start) error {
	p.p = newProgress(p.W, p.Every, s.Steps, s.LossNames, s.Step)
	return nil
}

// Record shows step r.
func (p *Progress) Record(r Record) error {
	if p.p == nil {
		return errors.New("train: progress: not started")
	}
	p.p.step(r)
	return nil
}

// Finish shows the final evaluation and ends the bar.
func (p *Progress) Finish(f Finish) error {
	if p.p == nil {
		return nil
	}
	if f.Eval != nil {
		p.p.eval(f.Eval)
	}
	p.p.finish()
	p.p = nil
	return nil
}

// progress shows a run's progress: a bar on a terminal, log lines
// elsewhere, nothing without a writer.
type progress interface {
	step(r Record)
	eval(e *Eval)
	finish()
}

func newProgress(w io.Writer, every, steps int, names []string, start int) progress {
	if w == nil {
		return nopProgress{}
	}
	if every <= 0 {
		every = 100
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return newBar(w, steps, start)
	}
	return &logProgress{w: w, every: every, total: steps, names: names, start: start, t0: time.Now()}
}

// newBar shows a progress bar (step count, loss, the measure, steps/s, ETA).
func newBar(w io.Writer, steps, start int) *barProgress {
	bar := progressbar.NewOptions(steps,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("train"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("steps"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(24),
	)
	_ = bar.Set(start)
	return &barProgress{bar: bar, w: w}
}

type nopProgress struct{}

func (nopProgress) step(Record) {}
func (nopProgress) eval(*Eval)  {}
func (nopProgress) finish()     {}

type barProgress struct {
	bar *progressbar.ProgressBar
	w   io.Writer
	ev  *Eval // the last evaluation
}

// measureText writes the measure of e, as "acc 0.914" or "nmse 0.0312";
// "" without one.
func measureText(e *Eval) string {
	switch {
	case e == nil || e.Measure == "" || math.IsNaN(e.Value):
		return ""
	case e.Measure == AccuracyMeasure.Name:
		return fmt.Sprintf("acc %.3f", e.Value)
	}
	return fmt.Sprintf("%s %.4g", e.Measure, e.Value)
}

func (p *barProgress) step(r Record) {
	if r.Eval != nil {
		p.ev = r.Eval
	}
	d := fmt.Sprintf("loss %.4g", r.Total)
	if m := measureText(p.ev); m != "" {
		d += " " + m
	}
	p.bar.Describe(d)
	_ = p.bar.Set(r.Step)
}

func (p *barProgress) eval(e *Eval) { p.ev = e }

func (p *barProgress) finish() { _ = p.bar.Exit(); fmt.Fprintln(p.w) }

// logProgress writes one line every `every` steps, e.g.
//
//	step 200/1000  loss 0.01234 (mse 0.0121, fr_l2 0.00024)  acc 0.914  lr 0.001  35.2 steps/s  ETA 23s
type logProgress struct {
	w            io.Writer
	every, total int
	names        []string
	start        int
	t0           time.Time
	ev           *Eval // the last evaluation
	last         Record
}

func (p *logProgress) step(r Record) {
	if r.Eval != nil {
		p.ev = r.Eval
	}
	p.last = r
	if r.Step%p.every != 0 && r.Step != p.total {
		return
	}
	p.line(r)
}

func (p *logProgress) line(r Record) {
	var b strings.Builder
	fmt.Fprintf(&b, "step %d/%d  loss %.4g", r.Step, p.total, r.Total)
	if len(r.Losses) > 1 {
		var parts []string
		for i, n := range p.names {
			parts = append(parts, fmt.Sprintf("%s %.4g", n, r.Losses[i]))
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	if m := measureText(p.ev); m != "" {
		fmt.Fprintf(&b, "  %s", m)
	}
	fmt.Fprintf(&b, "  lr %.3g", r.LR)
	if el := time.Since(p.t0).Seconds(); el > 0 && r.Step > p.start {
		rate := float64(r.Step-p.start) / el
		eta := time.Duration(float64(p.total-r.Step) / rate * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(&b, "  %.1f steps/s  ETA %s", rate, eta)
	}
	fmt.Fprintln(p.w, b.String())
}

func (p *logProgress) eval(e *Eval) {
	switch {
	case e.Measure == AccuracyMeasure.Name && !math.IsNaN(e.Value):
		fmt.Fprintf(p.w, "evaluation at step %d: accuracy %.3f, mse %.4g (%d trials)\n", e.Step, e.Value, e.MSE, e.Trials)
	case e.Measure != "" && e.Measure != "mse" && !math.IsNaN(e.Value):
		fmt.Fprintf(p.w, "evaluation at step %d: %s %.4g, mse %.4g (%d trials)\n", e.Step, e.Measure, e.Value, e.MSE, e.Trials)
	default:
		fmt.Fprintf(p.w, "evaluation at step %d: mse %.4g (%d trials)\n", e.Step, e.MSE, e.Trials)
	}
}

func (p *logProgress) finish() {}
