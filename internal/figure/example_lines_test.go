package figure_test

import (
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"

	"github.com/dale-rnn/dale/internal/figure"
)

// exampleSize prints the pixel size of the PNG at path.
func exampleSize(path string) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d×%d\n", filepath.Base(path), cfg.Width, cfg.Height)
}

// Loss curves on a log axis.
func ExampleLinesWith() {
	dir, _ := os.MkdirTemp("", "figure")
	defer os.RemoveAll(dir)
	steps := make([]float64, 100)
	task := make([]float64, 100)
	reg := make([]float64, 100)
	for i := range steps {
		steps[i] = float64(10 * i)
		task[i] = 0.7*math.Exp(-float64(i)/20) + 0.01
		reg[i] = 0.01
	}
	path := filepath.Join(dir, "loss.png")
	err := figure.LinesWith(path, figure.LinesPlot{
		Title: "Training loss", XLabel: "step", YLabel: "loss", LogY: true,
		Series: []figure.Series{{Name: "task", X: steps, Y: task}, {Name: "rate L2", X: steps, Y: reg}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	exampleSize(path)
	// Output: loss.png: 800×500
}

// A psychometric curve: points with binomial error bars and a fitted
// logistic.
func ExamplePsychometric() {
	dir, _ := os.MkdirTemp("", "figure")
	defer os.RemoveAll(dir)
	fit := func(x float64) float64 { return 1 / (1 + math.Exp(-10*x)) }
	path := filepath.Join(dir, "psychometric.png")
	err := figure.Psychometric(path, figure.PsychometricPlot{
		XLabel: "signed coherence",
		Conditions: []figure.PsychometricCondition{{
			Evidence: []float64{-0.4, -0.1, 0, 0.1, 0.4},
			PRight:   []float64{0.02, 0.3, 0.5, 0.72, 0.99},
			N:        []int{50, 50, 50, 50, 50},
			Fit:      fit,
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	exampleSize(path)
	// Output: psychometric.png: 700×500
}

// Excitatory and inhibitory weights overlaid, absent synapses left out.
func ExampleHistogram() {
	dir, _ := os.MkdirTemp("", "figure")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "weights.png")
	err := figure.Histogram(path, figure.HistogramPlot{
		Title: "Effective recurrent weights", XLabel: "weight", SkipZeros: true,
		Series: []figure.HistSeries{
			{Name: "excitatory", Values: []float64{0, 0.1, 0.2, 0.15, 0, 0.05}},
			{Name: "inhibitory", Values: []float64{-0.3, 0, -0.2, -0.25}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	exampleSize(path)
	// Output: weights.png: 800×500
}

// Eigenvalues of a recurrent matrix with the unit circle.
func ExampleSpectrum() {
	dir, _ := os.MkdirTemp("", "figure")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "spectrum.png")
	if err := figure.Spectrum(path, "W_rec", []complex128{1.1, 0.5 + 0.5i, 0.5 - 0.5i, -0.7}); err != nil {
		fmt.Println(err)
		return
	}
	exampleSize(path)
	// Output: spectrum.png: 760×600
}

// Two example trials, time in ms, with named periods.
func ExampleTrials() {
	dir, _ := os.MkdirTemp("", "figure")
	defer os.RemoveAll(dir)
	trial := func(c float64) figure.Trial {
		in := make([]float64, 50)
		target := make([]float64, 50)
		out := make([]float64, 50)
		for t := range 50 {
			if t >= 10 && t < 40 {
				in[t] = c
			}
			if t >= 40 {
				target[t] = math.Copysign(1, c)
				out[t] = 0.8 * target[t]
			}
		}
		return figure.Trial{
			Title:   fmt.Sprintf("coherence %+.1f", c),
			Inputs:  []figure.Trace{{Name: "evidence", Values: in}},
			Targets: []figure.Trace{{Name: "choice", Values: target}},
			Outputs: []figure.Trace{{Name: "choice", Values: out}},
			Periods: []figure.Period{{Name: "fixation", Start: 0, End: 10}, {Name: "stimulus", Start: 10, End: 40}, {Name: "decision", Start: 40, End: 50}},
		}
	}
	path := filepath.Join(dir, "trials.png")
	err := figure.Trials(path, figure.TrialsPlot{Title: "Example trials", DT: 20, Trials: []figure.Trial{trial(0.3), trial(-0.1)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	exampleSize(path)
	// Output: trials.png: 900×520
}

// Trajectories in the plane of the first two principal components,
// coloured by signed coherence.
func ExampleTrajectories() {
	dir, _ := os.MkdirTemp("", "figure")
	defer os.RemoveAll(dir)
	var trs []figure.Trajectory
	for _, c := range []float64{-0.2, 0, 0.2} {
		x := make([]float64, 30)
		y := make([]float64, 30)
		for t := range 30 {
			x[t] = c * float64(t)
			y[t] = math.Sqrt(float64(t))
		}
		trs = append(trs, figure.Trajectory{X: x, Y: y, Condition: c})
	}
	path := filepath.Join(dir, "pcs.png")
	if err := figure.Trajectories(path, figure.TrajectoriesPlot{ConditionName: "coherence", Trajectories: trs}); err != nil {
		fmt.Println(err)
		return
	}
	exampleSize(path)
	// Output: pcs.png: 760×600
}
