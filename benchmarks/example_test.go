package benchmarks_test

import (
	"fmt"
	"time"

	"github.com/dale-rnn/dale/benchmarks"
	"github.com/dale-rnn/dale/internal/blas"
	"github.com/dale-rnn/dale/rnn"
)

// Time train's real training step on a tiny case (config R's network at
// N = 32), masked and unmasked side by side, and compare them.
func Example() {
	cases := []benchmarks.Case{
		benchmarks.Smoke(rnn.EngineFused, true, blas.Go),
		benchmarks.Smoke(rnn.EngineFused, false, blas.Go),
	}
	rs, err := benchmarks.MeasureGroup(cases, benchmarks.Options{Warmup: 1, MinSteps: 3, MaxSteps: 3, MinTime: time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rs {
		fmt.Printf("%s: %d steps timed, median > 0: %v\n", r.Label(), r.Measured, r.MsPerStep > 0)
	}
	for _, q := range benchmarks.Ratios(rs) {
		fmt.Println(q.What, q.Value > 0)
	}
	// Output:
	// smoke N=32 B=4 T=10 fused masked go: 3 steps timed, median > 0: true
	// smoke N=32 B=4 T=10 fused unmasked go: 3 steps timed, median > 0: true
	// smoke masked/unmasked (fused, go) true
}
