package batch

import (
	"fmt"
)

// Batch is a batch of trials, padded to a common number of steps.
type Batch struct {
	Size  int // number of trials
	Steps int // time steps per trial, after padding
	In    int // input channels
	Out   int // output channels

	Inputs  []float32 // [Size, Steps, In]
	Targets []float32 // [Size, Steps, Out]
	// Mask weighs the loss at each (trial, step, output): 0 where the
	// output is not judged (and in padding), 1 or more where it is.
	Mask []float32 // [Size, Steps, Out]

	// Trials describes each trial; it may be nil for sources that have
	// nothing to say (then scoring by condition is not possible).
	Trials []Trial
}

// Trial is what one trial of a batch was.
type Trial struct {
	// Steps is the trial's own length; steps from Steps on are padding.
	Steps int
	// Periods are the named epochs of the trial in time order.
	Periods []Period
	// Conditions holds the trial's parameters (for example "coherence",
	// "context", "f1"), as numbers.
	Conditions map[string]float64
	// Choice is the correct answer of a choice task, as an index into the
	// task's choice outputs; -1 when there is no single correct choice
	// (continuous tasks, or a no-go trial scored otherwise).
	Choice int
}

// Period is a named epoch of a trial, covering steps [Start, End).
type Period struct {
	Name       string
	Start, End int
}

// Period returns the period with the given name and whether it exists.
func (t Trial) Period(name string) (Period, bool) {
	for _, p := range t.Periods {
		if p.Name == name {
			return p, true
		}
	}
	return Period{}, false
}

// New returns a zeroed batch of the given shape.
func New(size, steps, in, out int) (*Batch, error) {
	if size <= 0 || steps <= 0 || in < 0 || out <= 0 {
		return nil, fmt.Errorf("batch: shape (size %d, steps %d, in %d, out %d) is not allowed: size, steps and out must be > 0, in >= 0", size, steps, in, out)
	}
	return &Batch{
		Size: size, Steps: steps, In: in, Out: out,
		Inputs:  make([]float32, size*steps*in),
		Targets: make([]float32, size*steps*out),
		Mask:    make([]float32, size*steps*out),
	}, nil
}

// Validate reports whether the arrays have the lengths the shape says and
// the mask is finite and non-negative.
func (b *Batch) Validate() error {
	if b == nil {
		return fmt.Errorf("batch: nil batch")
	}
	if b.Size <= 0 || b.Steps <= 0 || b.In < 0 || b.Out <= 0 {
		return fmt.Errorf("batch: shape (size %d, steps %d, in %d, out %d) is not allowed: size, steps and out must be > 0, in >= 0", b.Size, b.Steps, b.In, b.Out)
	}
	check := func(name string, got, want int) error {
		if got != want {
			return fmt.Errorf("batch: %s has %d values, want size×steps×channels = %d", name, got, want)
		}
		return nil
	}
	if err := check("inputs", len(b.Inputs), b.Size*b.Steps*b.In); err != nil {
		return err
	}
	if err := check("targets", len(b.Targets), b.Size*b.Steps*b.Out); err != nil {
		return err
	}
	if err := check("mask", len(b.Mask), b.Size*b.Steps*b.Out); err != nil {
		return err
	}
	for i, m := range b.Mask {
		if !(m >= 0) || m > 3.4e38 {
			return fmt.Errorf("batch: mask value %v at index %d is not allowed: must be finite and >= 0", m, i)
		}
	}
	if b.Trials != nil && len(b.Trials) != b.Size {
		return fmt.Errorf("batch: %d trial descriptions for a batch of %d", len(b.Trials), b.Size)
	}
	return nil
}

// At returns the index of element (trial, step, channel) in an array with
// the given number of channels.
func (b *Batch) At(trial, step, channel, channels int) int {
	return (trial*b.Steps+step)*channels + channel
}
