package benchmarks

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/dale-rnn/dale/internal/blas"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/train"
)

// The machinery works on a tiny case: train.Run with the case's options
// lowers the loss, Dale holds after its updates, the numbers are filled in.
func TestSmokeCase(t *testing.T) {
	c := Smoke(rnn.EngineFused, true, blas.Go)
	m, err := NewModel(c)
	if err != nil {
		t.Fatal(err)
	}
	var losses []float64
	rec := train.RecorderFunc(func(r train.Record) error {
		losses = append(losses, r.Total)
		return nil
	})
	res, err := train.Run(context.Background(), m, NewSource(c), TrainOptions(c, 40, rec))
	if err != nil {
		t.Fatal(err)
	}
	if res.Timing.Steps != 40 || len(losses) != 40 {
		t.Fatalf("%d steps timed, %d recorded; want 40", res.Timing.Steps, len(losses))
	}
	first, last := losses[0], losses[len(losses)-1]
	if !(last < first) || math.IsNaN(last) {
		t.Fatalf("loss went from %v to %v in 40 Adam steps", first, last)
	}
	_, wrec, _ := m.Effective()
	ms := m.MasksInUse().Hidden
	for i, v := range wrec.Data().([]float32) {
		if (ms[i] == 0 && v != 0) || float64(v)*ms[i] < 0 {
			t.Fatalf("w_rec_eff[%d] = %v breaks its mask %v after training", i, v, ms[i])
		}
	}
	r, err := Measure(Smoke(rnn.EngineUnrolled, false, blas.Go), Options{Warmup: 1, MinSteps: 2, MaxSteps: 2, MinTime: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Measured != 2 || !(r.MsPerStep > 0) || !(r.MinMs <= r.MsPerStep) || !(r.GFLOPS > 0) || !(r.PeakHeapMB > 0) || !(r.SetupMs > 0) || r.BLAS != "go" {
		t.Fatalf("result not filled in: %+v", r)
	}
	if !(r.LastLossVal < r.FirstLossVal) {
		t.Fatalf("loss went from %v to %v over the measured run", r.FirstLossVal, r.LastLossVal)
	}
}

// The source's batches are valid and the same at every step.
func TestSource(t *testing.T) {
	c := Smoke(rnn.EngineFused, true, blas.Go)
	s := NewSource(c)
	a, err := s.Sample(nil, c.Batch)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	b, _ := s.Sample(nil, c.Batch)
	if a != b {
		t.Fatal("the source gave two different batches")
	}
	judged := 0
	for _, v := range a.Mask {
		judged += int(v)
	}
	if judged != c.Batch*c.Out*(c.Steps-c.Steps/2) {
		t.Fatalf("%d outputs judged, want the second half of every trial", judged)
	}
	if _, err := s.Sample(nil, c.Batch+1); err == nil {
		t.Fatal("a batch of another size was given")
	}
}

func TestMaskR(t *testing.T) {
	ms, err := MaskR(4, 256, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	inh, nz := 0, 0
	for pre := 0; pre < 256; pre++ {
		if ms.Hidden[pre*256+pre%128] < 0 || ms.Readout[pre*2] < 0 {
			inh++
		}
	}
	for _, v := range ms.Hidden {
		if v != 0 {
			nz++
		}
	}
	// 2 areas of 128, exc_pct 0.8: 102 excitatory + 26 inhibitory per area.
	if inh != 52 {
		t.Fatalf("%d inhibitory neurons, want 52", inh)
	}
	if nz < 2*128*128 || nz > 2*128*128+2*128*128/4 {
		t.Fatalf("%d hidden synapses: want the two within-area blocks plus ~10%% between", nz)
	}
}

func TestRatios(t *testing.T) {
	var rs []Result
	for _, c := range SuiteR([]string{"go", "openblas"}) {
		v := 100.0
		if c.Engine == rnn.EngineUnrolled {
			v *= 2
		}
		if c.Masked {
			v *= 1.01
		}
		if c.BLAS == "openblas" {
			v /= 4
		}
		rs = append(rs, Result{Case: c, MsPerStep: v})
	}
	got := map[string]float64{}
	for _, r := range Ratios(rs) {
		got[r.What] = r.Value
	}
	for what, want := range map[string]float64{
		"R fused/unrolled (masked, go)":       0.5,
		"R masked/unmasked (fused, openblas)": 1.01,
		"R openblas/go (unrolled, unmasked)":  0.25,
	} {
		if math.Abs(got[what]-want) > 1e-9 {
			t.Errorf("%s = %v, want %v (all: %v)", what, got[what], want, got)
		}
	}
	if len(got) != 4+4+4 {
		t.Errorf("%d ratios, want 12: %v", len(got), got)
	}
}

// benchCase times b.N steps of train.Run on c after one untimed step
// (which builds the graph).
func benchCase(b *testing.B, c Case) {
	m, err := NewModel(c)
	if err != nil {
		b.Skip(err)
	}
	var t0 time.Time
	var el time.Duration
	rec := train.RecorderFunc(func(r train.Record) error {
		switch r.Step {
		case 1:
			b.ResetTimer()
			t0 = time.Now()
		case b.N + 1:
			el = time.Since(t0)
			b.StopTimer()
		}
		return nil
	})
	b.ReportAllocs()
	if _, err := train.Run(context.Background(), m, NewSource(c), TrainOptions(c, b.N+1, rec)); err != nil {
		b.Fatal(err)
	}
	per := el.Seconds() / float64(b.N)
	b.ReportMetric(per*1e3, "ms/step")
	b.ReportMetric(c.FLOPs()/per/1e9, "GFLOP/s")
}

func restoreBLAS(b *testing.B) {
	prev := blas.Name()
	b.Cleanup(func() {
		_ = blas.Set(prev)
		blas.UseInGorgonia()
	})
}

// BenchmarkStepR: one training step at config R for each engine, masked and
// unmasked, on each available BLAS.
func BenchmarkStepR(b *testing.B) {
	restoreBLAS(b)
	for _, c := range SuiteR(AvailableBLAS()) {
		mk := "unmasked"
		if c.Masked {
			mk = "masked"
		}
		b.Run(fmt.Sprintf("engine=%s/%s/blas=%s", c.Engine, mk, c.BLAS), func(b *testing.B) { benchCase(b, c) })
	}
}

// BenchmarkScaling: config R's fused masked step over N, steps and batch on
// the default BLAS (OpenBLAS when it loads).
func BenchmarkScaling(b *testing.B) {
	restoreBLAS(b)
	av := AvailableBLAS()
	for _, c := range SuiteScaling(av[len(av)-1]) {
		b.Run(fmt.Sprintf("%s/N=%d/T=%d/B=%d", c.Name, c.N, c.Steps, c.Batch), func(b *testing.B) { benchCase(b, c) })
	}
}

func TestGroupsAndMeasureGroup(t *testing.T) {
	gs := Groups(SuiteR([]string{"go"}))
	if len(gs) != 2 || len(gs[0]) != 2 || !gs[0][0].Masked || gs[0][1].Masked || gs[0][0].Engine != gs[0][1].Engine {
		t.Fatalf("groups of config R = %v, want two masked/unmasked pairs", gs)
	}
	rs, err := MeasureGroup([]Case{Smoke(rnn.EngineFused, true, blas.Go), Smoke(rnn.EngineFused, false, blas.Go)},
		Options{Warmup: 1, MinSteps: 3, MaxSteps: 3, MinTime: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Measured != 3 || !(r.MsPerStep > 0) || !(r.AllocMBStep > 0) {
			t.Errorf("result not filled in: %+v", r)
		}
	}
	if _, err := MeasureGroup([]Case{Smoke(rnn.EngineFused, true, blas.Go), Smoke(rnn.EngineFused, true, blas.OpenBLAS)}, Options{}); err == nil {
		t.Error("a group mixing BLAS was accepted")
	}
	d, err := MaskOpsMs(Smoke(rnn.EngineFused, true, blas.Go), 5)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(d) || d > 50 {
		t.Errorf("mask ops at N=32 take %v ms", d)
	}
}

// The unmasked case is the masked network without the mask operations: the
// first forward pass (hence the first loss) is the same.
func TestUnmaskedIsSameNetwork(t *testing.T) {
	a, err := NewModel(Smoke(rnn.EngineFused, true, blas.Go))
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewModel(Smoke(rnn.EngineFused, false, blas.Go))
	if err != nil {
		t.Fatal(err)
	}
	if a.Dale() == b.Dale() {
		t.Fatal("masked and unmasked models have the same dale setting")
	}
	rs, err := MeasureGroup([]Case{Smoke(rnn.EngineFused, true, blas.Go), Smoke(rnn.EngineFused, false, blas.Go)},
		Options{Warmup: 1, MinSteps: 1, MaxSteps: 1, MinTime: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if la, lb := rs[0].FirstLossVal, rs[1].FirstLossVal; la != lb || la == 0 {
		t.Fatalf("first losses differ: masked %v, unmasked %v", la, lb)
	}
}
