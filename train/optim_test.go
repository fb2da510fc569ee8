package train

import (
	"context"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/npz"
)

func TestOptimizerFirstSteps(t *testing.T) {
	g := []float64{0.5, -2, 1e-3}
	lr := 0.01
	cases := []struct {
		opt  Optimizer
		want [][]float64 // Δ after step 1 and 2 with the same gradient
	}{
		{Adam{LR: lr}, func() [][]float64 {
			// Adam with a constant gradient: m̂ = g, v̂ = g², Δ = −lr·g/(|g|+ε)
			var d [2][]float64
			for s := range 2 {
				for _, x := range g {
					d[s] = append(d[s], -lr*x/(math.Abs(x)+1e-8))
				}
			}
			return d[:]
		}()},
		{SGD{LR: lr}, [][]float64{{-lr * g[0], -lr * g[1], -lr * g[2]}, {-lr * g[0], -lr * g[1], -lr * g[2]}}},
		{SGD{LR: lr, Momentum: 0.9}, [][]float64{{-lr * g[0], -lr * g[1], -lr * g[2]}, {-lr * 1.9 * g[0], -lr * 1.9 * g[1], -lr * 1.9 * g[2]}}},
		{RMSProp{LR: lr}, func() [][]float64 {
			var d [2][]float64
			for s, v := range []float64{0.01, 0.01*0.99 + 0.01} {
				for _, x := range g {
					d[s] = append(d[s], -lr*x/(math.Sqrt(v*x*x)+1e-8))
				}
			}
			return d[:]
		}()},
	}
	for _, c := range cases {
		o, err := c.opt.New([]string{"w"}, []int{len(g)})
		if err != nil {
			t.Fatal(err)
		}
		delta := make([]float64, len(g))
		for s := range 2 {
			o.Begin()
			o.Update(0, 0, g, 1, lr, delta)
			for j := range g {
				if math.Abs(delta[j]-c.want[s][j]) > 1e-12*max(1e-6, math.Abs(c.want[s][j])) {
					t.Errorf("%s %+v step %d: Δ[%d] = %v, want %v", c.opt.Type(), c.opt, s+1, j, delta[j], c.want[s][j])
				}
			}
		}
	}
}

// TestOptimizerStateRoundTrip: saving and restoring the state mid-way gives
// the same later updates, bit for bit.
func TestOptimizerStateRoundTrip(t *testing.T) {
	for _, cfg := range []Optimizer{Adam{}, SGD{Momentum: 0.5}, RMSProp{Momentum: 0.3}} {
		newOptimizer := func(cfg Optimizer, names []string, sizes []int) OptimizerState {
			o, err := cfg.New(names, sizes)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		names, sizes := []string{"a", "b"}, []int{3, 2}
		grad := func(s, i int) []float64 {
			g := make([]float64, sizes[i])
			for j := range g {
				g[j] = math.Sin(float64(7*s + 3*i + j))
			}
			return g
		}
		o1 := newOptimizer(cfg, names, sizes)
		run := func(o OptimizerState, from, to int) [][]float64 {
			var out [][]float64
			for s := from; s < to; s++ {
				o.Begin()
				for i := range names {
					d := make([]float64, sizes[i])
					g := grad(s, i)
					o.Update(i, 0, g[:1], 0.5, 1e-3, d[:1]) // in two ranges
					o.Update(i, 1, g[1:], 0.5, 1e-3, d[1:])
					out = append(out, d)
				}
			}
			return out
		}
		run(o1, 0, 5)
		path := t.TempDir() + "/opt.npz"
		if err := npz.Write(path, optArrays(o1.Save())...); err != nil {
			t.Fatal(err)
		}
		arrs, err := npz.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		o2 := newOptimizer(cfg, names, sizes)
		if err := o2.Restore(optState(arrs)); err != nil {
			t.Fatal(err)
		}
		if a, b := run(o1, 5, 9), run(o2, 5, 9); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: updates after restore differ", cfg.Type())
		}
		delete(arrs, names[0]+"x")
		for k := range arrs {
			delete(arrs, k)
			break
		}
		if err := newOptimizer(cfg, names, sizes).Restore(optState(arrs)); err == nil || !strings.Contains(err.Error(), "checkpoint lacks") {
			t.Errorf("%s: restore with a missing array: %v", cfg.Type(), err)
		}
	}
}

func TestSchedules(t *testing.T) {
	cases := []struct {
		s     ScheduleConfig
		k     int
		want  float64
		total int
	}{
		{ScheduleConfig{}, 500, 0.1, 1000},
		{ScheduleConfig{Type: "step", StepSize: 100, Gamma: 0.5}, 250, 0.025, 1000},
		{ScheduleConfig{Type: "step"}, 100, 0.01, 1000}, // default step 1000/10, gamma 0.1
		{ScheduleConfig{Type: "exponential", Gamma: 0.9}, 2, 0.081, 1000},
		{ScheduleConfig{Type: "cosine"}, 0, 0.1, 101},
		{ScheduleConfig{Type: "cosine", MinLR: 0.02}, 50, 0.06, 101},
		{ScheduleConfig{Type: "cosine", MinLR: 0.02}, 100, 0.02, 101},
		{ScheduleConfig{Warmup: 10}, 0, 0.01, 1000},
		{ScheduleConfig{Warmup: 10}, 4, 0.05, 1000},
		{ScheduleConfig{Warmup: 10}, 9, 0.1, 1000},
		{ScheduleConfig{Warmup: 10}, 10, 0.1, 1000},
		{ScheduleConfig{Type: "exponential", Gamma: 0.9, Warmup: 4}, 1, 0.045, 1000},
	}
	for _, c := range cases {
		s := c.s.withDefaults(c.total)
		if err := s.validate(0.1); err != nil {
			t.Fatal(err)
		}
		if got := s.rate(0.1, c.k, c.total); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%+v at step %d: %v, want %v", c.s, c.k, got, c.want)
		}
	}
}

// TestEachOptimizerTrains: every optimiser lowers the loss on the test task.
func TestEachOptimizerTrains(t *testing.T) {
	for _, cfg := range []Optimizer{Adam{LR: 1e-2}, SGD{LR: 0.1, Momentum: 0.9}, RMSProp{LR: 3e-3}} {
		t.Run(cfg.Type(), func(t *testing.T) {
			m := smallModel(t, 16, 1, nil)
			var first, last float64
			opts := Options{Steps: 150, BatchSize: 16, EvalEvery: -1, Optimizer: cfg,
				Schedule: ScheduleConfig{Type: "step", StepSize: 100, Gamma: 0.5},
				Recorders: []Recorder{RecorderFunc(func(r Record) error {
					if r.Step <= 10 {
						first += r.Total / 10
					}
					if r.Step > 140 {
						last += r.Total / 10
					}
					return nil
				})}}
			if _, err := Run(context.Background(), m, newSignTask(16), opts); err != nil {
				t.Fatal(err)
			}
			if !(last < 0.7*first) {
				t.Errorf("loss %.4f → %.4f: want a clear fall", first, last)
			}
		})
	}
}
