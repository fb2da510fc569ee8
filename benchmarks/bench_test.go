package benchmarks

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/dale-rnn/dale/internal/blas"
	"github.com/dale-rnn/dale/rnn"
)

// The machinery works on a tiny case: steps lower the loss, Dale holds after
// the Adam updates, the numbers are filled in.
func TestSmokeCase(t *testing.T) {
	tr, err := NewTrainer(Smoke(rnn.EngineFused, true, blas.Go))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var first, last float64
	for i := 0; i < 40; i++ {
		l, err := tr.Step()
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = l
		}
		last = l
	}
	if !(last < first) || math.IsNaN(last) {
		t.Fatalf("loss went from %v to %v in 40 Adam steps", first, last)
	}
	_, rec, _ := tr.Model.Effective()
	ms := tr.Model.MasksInUse().Hidden
	for i, v := range rec.Data().([]float32) {
		if (ms[i] == 0 && v != 0) || float64(v)*ms[i] < 0 {
			t.Fatalf("w_rec_eff[%d] = %v breaks its mask %v after training", i, v, ms[i])
		}
	}
	r, err := Measure(Smoke(rnn.EngineUnrolled, false, blas.Go), Options{Warmup: 1, MinSteps: 2, MaxSteps: 2, MinTime: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Measured != 2 || !(r.MsPerStep > 0) || !(r.GFLOPS > 0) || !(r.PeakHeapMB > 0) || r.BLAS != "go" {
		t.Fatalf("result not filled in: %+v", r)
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

func benchCase(b *testing.B, c Case) {
	tr, err := NewTrainer(c)
	if err != nil {
		b.Skip(err)
	}
	defer tr.Close()
	if _, err := tr.Step(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Step(); err != nil {
			b.Fatal(err)
		}
	}
	per := time.Since(start).Seconds() / float64(b.N)
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
	a, err := NewTrainer(Smoke(rnn.EngineFused, true, blas.Go))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewTrainer(Smoke(rnn.EngineFused, false, blas.Go))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Model.Dale() == b.Model.Dale() {
		t.Fatal("masked and unmasked models have the same dale setting")
	}
	la, err := a.Step()
	if err != nil {
		t.Fatal(err)
	}
	lb, err := b.Step()
	if err != nil {
		t.Fatal(err)
	}
	if la != lb {
		t.Fatalf("first losses differ: masked %v, unmasked %v", la, lb)
	}
}
