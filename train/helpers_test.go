package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/rnn"
)

// signTask is the test Source: a noisy stimulus on input 0 during steps
// [stimOn, stimOff); report its sign on outputs 1 (positive) or 2
// (negative) during the last `resp` steps, while output 0 (fixation) stays
// at 1 until then. Input 1 is a fixation cue, 1 until the response.
type signTask struct {
	steps, stimOn, stimOff, resp int
	coh, noise                   float64
}

func newSignTask(steps int) *signTask {
	return &signTask{steps: steps, stimOn: 3, stimOff: steps / 2, resp: steps / 4, coh: 0.4, noise: 0.5}
}

func (s *signTask) Sample(rng *rand.Rand, size int) (*batch.Batch, error) {
	b, err := batch.New(size, s.steps, 2, 3)
	if err != nil {
		return nil, err
	}
	b.Trials = make([]batch.Trial, size)
	respOn := s.steps - s.resp
	for i := range size {
		sign := 1.0
		choice := 0
		if rng.IntN(2) == 1 {
			sign, choice = -1, 1
		}
		b.Trials[i] = batch.Trial{Steps: s.steps, Choice: choice, Conditions: map[string]float64{"sign": sign},
			Periods: []batch.Period{{Name: "fixation", Start: 0, End: s.stimOn}, {Name: "stimulus", Start: s.stimOn, End: s.stimOff},
				{Name: "delay", Start: s.stimOff, End: respOn}, {Name: "response", Start: respOn, End: s.steps}}}
		for t := range s.steps {
			if t >= s.stimOn && t < s.stimOff {
				b.Inputs[b.At(i, t, 0, 2)] = float32(sign*s.coh + s.noise*rng.NormFloat64())
			}
			if t < respOn {
				b.Inputs[b.At(i, t, 1, 2)] = 1
				b.Targets[b.At(i, t, 0, 3)] = 1
			} else {
				b.Targets[b.At(i, t, 1+choice, 3)] = 1
			}
			for o := range 3 {
				w := float32(1)
				if t >= respOn && t < respOn+2 {
					w = 0 // grace period
				} else if t >= respOn {
					w = 5
				}
				b.Mask[b.At(i, t, o, 3)] = w
			}
		}
	}
	return b, nil
}

// score is the accuracy over all evaluation batches: the choice output
// with the larger mean over the judged response steps must be the correct
// one.
func (s *signTask) score(bs []*batch.Batch, outs [][]float32) (float64, error) {
	correct, n := 0, 0
	for j, b := range bs {
		out := outs[j]
		for i := range b.Size {
			var a, c float64
			for t := b.Steps - s.resp + 2; t < b.Steps; t++ {
				a += float64(out[b.At(i, t, 1, 3)])
				c += float64(out[b.At(i, t, 2, 3)])
			}
			if (a > c) == (b.Trials[i].Choice == 0) {
				correct++
			}
		}
		n += b.Size
	}
	return float64(correct) / float64(n), nil
}

// eiMasks builds signed masks by hand: the first 80% of the n neurons are
// excitatory (+1 rows), the rest inhibitory (−1 rows); a fraction `sparse`
// of recurrent synapses and the diagonal are removed; inputs are
// excitatory; only excitatory neurons read out.
func eiMasks(n, in, out int, sparse float64, rng *rand.Rand) rnn.Masks {
	ne := n * 4 / 5
	m := rnn.Masks{Input: make([]float64, in*n), Hidden: make([]float64, n*n), Readout: make([]float64, n*out)}
	for i := range m.Input {
		m.Input[i] = 1
	}
	for i := range n {
		sign := 1.0
		if i >= ne {
			sign = -1
		}
		for j := range n {
			if i != j && rng.Float64() >= sparse {
				m.Hidden[i*n+j] = sign
			}
		}
		for o := range out {
			if i < ne {
				m.Readout[i*out+o] = 1
			}
		}
	}
	return m
}

// smallModel returns an E/I model on the sign task's shape.
func smallModel(t testing.TB, n int, seed uint64, edit func(*rnn.Config)) *rnn.Model {
	t.Helper()
	cfg := rnn.DefaultConfig()
	cfg.Dims = []int{2, n, 3}
	cfg.Masks = eiMasks(n, 2, 3, 0.2, rand.New(rand.NewPCG(seed, 99)))
	cfg.Seed = seed
	if edit != nil {
		edit(&cfg)
	}
	m, err := rnn.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func paramData(p *rnn.Param) []float32 {
	return append([]float32(nil), p.Value.Data().([]float32)...)
}

func meanAbs(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += math.Abs(x)
	}
	return s / float64(len(v))
}

// exclusive wraps a Source and fails any call made while another is in
// flight (the trainer promises never to call Sample concurrently).
type exclusive struct {
	src    Source
	flight atomic.Int32
}

func (e *exclusive) Sample(rng *rand.Rand, size int) (*batch.Batch, error) {
	if e.flight.Add(1) != 1 {
		return nil, fmt.Errorf("concurrent Sample call")
	}
	defer e.flight.Add(-1)
	return e.src.Sample(rng, size)
}
