// Command fixedpoints finds the fixed points of a trained flip-flop
// network (analysis.FixedPoints) and prints them: the demonstration of
// Sussillo & Barak 2013 on a dale checkpoint. Train the network first,
// then run it from the repository root:
//
//	dale train --task flipflop --out /tmp/ff-run --quiet
//	go run ./benchmarks/fixedpoints -run /tmp/ff-run
//
// It samples initial states on the network's own trajectories (trials of
// the task, in the checkpoint's config, noise-free), finds the fixed
// points for the input with every pulse off (zero), and prints one line
// per point: stability, the number of unstable directions, q, how many
// initial states reached it, its readout and the leading eigenvalues.
// Expected from the literature for 3 bits: 8 stable points whose readouts
// are the 8 bit patterns, and saddles between them.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/dale-rnn/dale/analysis"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/tasks"
	"github.com/dale-rnn/dale/train"
)

func main() {
	dir := flag.String("run", "/tmp/ff-run", "run directory holding best.npz and config.json")
	trials := flag.Int("trials", 128, "trials run to sample initial states from")
	states := flag.Int("states", 1024, "initial states")
	noise := flag.Float64("noise", 0, "sd of the Gaussian noise added to each sampled state")
	seed := flag.Uint64("seed", 1, "seed of the trials and the sampling")
	slowQ := flag.Float64("slow", 0, "keep slow points with q up to this (0: none)")
	tolUnique := flag.Float64("unique", 0, "TolUnique (0: default 1e-3)")
	flag.Parse()
	if err := run(*dir, *trials, *states, *noise, *seed, *slowQ, *tolUnique); err != nil {
		fmt.Fprintln(os.Stderr, "fixedpoints:", err)
		os.Exit(1)
	}
}

func run(dir string, trials, states int, noise float64, seed uint64, slowQ, tolUnique float64) error {
	m, _, err := rnn.Load(filepath.Join(dir, "best.npz"))
	if err != nil {
		return err
	}
	task, err := taskOf(dir)
	if err != nil {
		return err
	}
	d := m.Dynamics()
	if w := tasks.Width(task.Inputs()); w != d.In {
		return fmt.Errorf("task %s has %d inputs, the network %d", task.Name(), w, d.In)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	// a multitask's evaluation trials mix every rule (its training
	// batches may hold one)
	sample := task.Sample
	if es, ok := task.(train.EvalSampler); ok {
		sample = es.SampleEval
	}
	b, err := sample(rng, trials)
	if err != nil {
		return err
	}
	res, err := m.Forward(b.Inputs, b.Size, b.Steps)
	if err != nil {
		return err
	}
	initial, err := analysis.SampleStates(res.Potentials, b.Size, b.Steps, d.N, states, noise, rng)
	if err != nil {
		return err
	}
	start := time.Now()
	fp, err := analysis.FixedPoints(d, nil, initial, analysis.FixedPointOptions{SlowQ: slowQ, TolUnique: tolUnique})
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Printf("%s: %d neurons (%s), %d initial states from %d trials (noise %g), input zero\n",
		task.Name(), d.N, d.Activation, len(initial), trials, noise)
	fmt.Printf("%d points in %.2f s: tried %d, converged %d, slow %d, duplicates %d, outliers %d, not converged %d\n",
		len(fp.Points), took.Seconds(), fp.Tried, fp.Converged, fp.Slow, fp.Duplicates, fp.Outliers, fp.NotConverged)
	pts := fp.Points
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].Unstable < pts[j].Unstable })
	counts := map[string]int{}
	maxQ, iters := 0.0, 0
	for k, p := range pts {
		counts[fmt.Sprintf("%s/%d", p.Stability, p.Unstable)]++
		maxQ = math.Max(maxQ, p.Q)
		iters = max(iters, p.Iterations)
		var ro []string
		for _, y := range p.Readout {
			ro = append(ro, fmt.Sprintf("%+.3f", y))
		}
		var ev []string
		for _, l := range p.Eigenvalues[:min(3, len(p.Eigenvalues))] {
			ev = append(ev, fmt.Sprintf("%.4f", cmplx.Abs(l)))
		}
		slow := ""
		if p.Slow {
			slow = " slow"
		}
		fmt.Printf("%3d %-8s unstable %d  q %.1e  count %4d  iters %3d  readout [%s]  |λ| %s%s\n",
			k, p.Stability, p.Unstable, p.Q, p.Count, p.Iterations, strings.Join(ro, " "), strings.Join(ev, " "), slow)
	}
	fmt.Printf("classes (stability/unstable directions): %v; largest q kept %.1e; most iterations %d\n", counts, maxQ, iters)
	return nil
}

// taskOf builds the task of the run's config.json.
func taskOf(dir string) (tasks.Task, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, err
	}
	var cfg struct {
		Task tasks.Spec `json:"task"`
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "config.json"), err)
	}
	return tasks.New(cfg.Task.Name, cfg.Task.Params)
}
