package analysis

import (
	"math/rand/v2"
	"testing"

	"github.com/dale-rnn/dale/rnn"
)

// BenchmarkPCA: hidden states of 200 trials × 100 steps × 128 neurons.
func BenchmarkPCA(b *testing.B) {
	const rows, cols = 200 * 100, 128
	rng := rand.New(rand.NewPCG(1, 1))
	data := make([]float64, rows*cols)
	for i := range data {
		data[i] = rng.NormFloat64()
	}
	b.ResetTimer()
	for range b.N {
		if _, _, err := PCA(data, rows, cols, 3); err != nil {
			b.Fatal(err)
		}
	}
}

// assemblies is a 256-unit E/I relu network (Dale's law: excitatory
// senders' weights ≥ 0, inhibitory ones' ≤ 0) of four excitatory
// assemblies of 51 units (within-assembly weight 1.5/51, between 0.1/204)
// and 52 inhibitory units (E→I 4/204, I→E and I→I −4/52) with 20 %
// jitter, drive 1 ± 10 %, α = 0.1: a winner-take-all circuit with several
// stable states and saddles between them. With it come count initial
// states sampled on 64 trajectories of 100 steps from random starts, with
// noise of sd 0.1.
func assemblies(count int) (*rnn.Dynamics, [][]float64) {
	const n, ne, groups = 256, 204, 4
	const size = ne / groups
	rng := rand.New(rand.NewPCG(1, 2))
	group := func(i int) int {
		if i >= ne {
			return -1
		}
		return i / size
	}
	w := make([]float64, n*n)
	for k := range n {
		for i := range n {
			if i == k {
				continue
			}
			var x float64
			switch gk, gi := group(k), group(i); {
			case gk >= 0 && gk == gi:
				x = 1.5 / size
			case gk >= 0 && gi >= 0:
				x = 0.1 / ne
			case gk >= 0:
				x = 4.0 / ne
			default:
				x = -4.0 / (n - ne)
			}
			w[k*n+i] = x * (1 + 0.2*rng.NormFloat64())
		}
	}
	alpha := make([]float64, n)
	b := make([]float64, n)
	for i := range n {
		alpha[i] = 0.1
		b[i] = 1 + 0.1*rng.NormFloat64()
	}
	d := &rnn.Dynamics{N: n, Out: 1, Activation: rnn.ReLU, Alpha: alpha, WRec: w,
		WOut: make([]float64, n), BRec: b, BOut: []float64{0}, V0: make([]float64, n)}
	const trials, steps = 64, 100
	pot := make([]float32, trials*steps*n)
	v, next := make([]float64, n), make([]float64, n)
	for tr := range trials {
		for i := range v {
			v[i] = 2 * rng.NormFloat64()
		}
		for s := range steps {
			d.Step(v, b, next)
			v, next = next, v
			for i, x := range v {
				pot[(tr*steps+s)*n+i] = float32(x)
			}
		}
	}
	initial, err := SampleStates(pot, trials, steps, n, count, 0.1, rng)
	if err != nil {
		panic(err)
	}
	return d, initial
}

// BenchmarkFixedPoints256: the 256-unit E/I relu assemblies network from
// 1024 initial states sampled on its trajectories, on GOMAXPROCS
// goroutines. Reports the mean iterations per initial state, the unique
// points and the fraction of initial states that converged.
func BenchmarkFixedPoints256(b *testing.B) {
	d, initial := assemblies(1024)
	b.ResetTimer()
	var res *FixedPointResult
	for range b.N {
		var err error
		if res, err = FixedPoints(d, nil, initial, FixedPointOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(res.Iterations)/float64(res.Tried), "iters/state")
	b.ReportMetric(float64(len(res.Points)), "points")
	b.ReportMetric(float64(res.Converged)/float64(res.Tried), "converged/state")
}
