package tasks

import (
	"math"
	"math/rand/v2"
	"sort"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/config"
)

// LengthStats describes a task's trial lengths in steps.
type LengthStats struct {
	Trials int     `json:"trials"` // trials sampled
	Min    int     `json:"min"`
	Mean   float64 `json:"mean"`
	Median int     `json:"median"`
	P95    int     `json:"p95"`
	Max    int     `json:"max"` // largest sampled
	// Bound is the longest trial the task can produce (the padded length
	// of its batches with pad "max"); 0 when the task does not say.
	Bound int `json:"bound"`
}

// TrialLengths samples n trials of any Task and summarises their lengths
// (Trial.Steps, or the batch length for sources without trial
// descriptions). For the tasks of this package Bound is exact. A task that
// draws its evaluation trials otherwise (SampleEval, as yang20 does, whose
// training batches hold one rule each) is sampled that way, so that the
// lengths cover all its trial kinds.
func TrialLengths(t Task, rng *rand.Rand, n int) (LengthStats, error) {
	if n <= 0 {
		return LengthStats{}, config.Errorf("tasks: trial lengths: n = %d is not allowed: must be > 0", n)
	}
	lens := make([]int, 0, n)
	for len(lens) < n {
		m := min(256, n-len(lens))
		sample := t.Sample
		if es, ok := t.(interface {
			SampleEval(*rand.Rand, int) (*batch.Batch, error)
		}); ok {
			sample = es.SampleEval
		}
		b, err := sample(rng, m)
		if err != nil {
			return LengthStats{}, err
		}
		for i := range m {
			if b.Trials != nil {
				lens = append(lens, b.Trials[i].Steps)
			} else {
				lens = append(lens, b.Steps)
			}
		}
	}
	sort.Ints(lens)
	s := LengthStats{Trials: n, Min: lens[0], Max: lens[n-1], Median: lens[n/2],
		P95: lens[min(n-1, int(math.Ceil(0.95*float64(n)))-1)]}
	for _, l := range lens {
		s.Mean += float64(l) / float64(n)
	}
	if k, ok := t.(interface{ MaxSteps() int }); ok {
		s.Bound = k.MaxSteps()
	}
	return s, nil
}
