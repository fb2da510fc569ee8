package train

import (
	"fmt"

	"github.com/dale-rnn/dale/batch"
)

// EvalBatches draws the held-out evaluation trials a run with these seeds
// and sizes evaluates on: batch j holds min(batchSize, what is left) trials
// drawn from PCG(evalSeed, j·256+3). Tools that report on a finished run use
// it to judge the network on exactly the trials training judged it on. A
// source that implements EvalSampler is sampled with SampleEval.
func EvalBatches(src Source, evalSeed uint64, trials, batchSize int) ([]*batch.Batch, error) {
	if trials <= 0 || batchSize <= 0 {
		return nil, fmt.Errorf("train: evaluation needs trials > 0 and batch size > 0 (got %d and %d)", trials, batchSize)
	}
	sample := src.Sample
	if es, ok := src.(EvalSampler); ok {
		sample = es.SampleEval
	}
	var out []*batch.Batch
	for j, left := 0, trials; left > 0; j++ {
		size := min(left, batchSize)
		b, err := sample(stepRNG(evalSeed, j, streamEval), size)
		if err != nil {
			return nil, fmt.Errorf("train: evaluation batch %d: %w", j, err)
		}
		out = append(out, b)
		left -= size
	}
	return out, nil
}
