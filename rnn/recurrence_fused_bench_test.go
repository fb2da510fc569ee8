package rnn

import (
	"math/rand/v2"
	"testing"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/internal/blas"
)

// Config R's recurrence: batch 64, 100 steps, 256 neurons, float32, relu.
const (
	benchB = 64
	benchT = 100
	benchN = 256
)

// benchFlops is the floating-point work of forward + backward of the recurrence: per step one
// B×N×N product forward and one backward, plus the weight gradient (N×BT×N), each 2·B·N² per step.
func benchFlops(B, T, N int) float64 {
	return 3 * 2 * float64(B) * float64(T) * float64(N) * float64(N)
}

// benchWithBLAS runs f under each BLAS available (pure Go always; OpenBLAS when it loads), with
// gorgonia's own products on the same BLAS, and restores the previous choice afterwards.
func benchWithBLAS(b *testing.B, f func(b *testing.B)) {
	prev := blas.Name()
	defer func() {
		_ = blas.Set(prev)
		blas.UseInGorgonia()
	}()
	for _, name := range []string{blas.Go, blas.OpenBLAS} {
		b.Run("blas="+name, func(b *testing.B) {
			if err := blas.Set(name); err != nil {
				b.Skipf("BLAS %s not available: %v", name, err)
			}
			blas.UseInGorgonia()
			f(b)
		})
	}
}

func benchReport(b *testing.B, elapsed time.Duration, flops float64) {
	per := elapsed.Seconds() / float64(b.N)
	b.ReportMetric(per*1e3, "ms/op")
	b.ReportMetric(flops/per/1e9, "GFLOP/s")
}

// BenchmarkRecurrenceR runs forward + backward of the recurrence (cost sum(V ⊙ R), its gradient
// with respect to I, W, alpha and h0) at config R's shape on a TapeMachine, for both engines and
// each available BLAS. The figures include gorgonia's own work around the op (the cost, its
// gradient, accumulating the gradients into the leaves' dual values: about 30 ms here), which
// is the same for both engines; BenchmarkRecurrenceFusedKernelR times the fused kernels alone.
//
//	go test -run X -bench Recurrence -benchtime 8x ./rnn/
func BenchmarkRecurrenceR(b *testing.B) {
	// engine "none" is the loss alone (V a leaf): gorgonia's share of the other figures
	none := recEngine{"none", func(act Activation, I, W, alpha, h0, xi, eta *G.Node) (*G.Node, error) {
		return I, nil
	}}
	for _, e := range []recEngine{recFused, recUnrolled, none} {
		b.Run("engine="+e.name, func(b *testing.B) {
			benchWithBLAS(b, func(b *testing.B) {
				p := recNewProblem(11, ReLU, benchB, benchT, benchN, false)
				r := recBuildRead(b, e, p, tensor.Float32, true, false)
				r.run(b) // warm up: first-use allocations
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				for i := 0; i < b.N; i++ {
					if err := r.vm.RunAll(); err != nil {
						b.Fatal(err)
					}
					r.vm.Reset()
				}
				benchReport(b, time.Since(start), benchFlops(benchB, benchT, benchN))
			})
		})
	}
}

// BenchmarkRecurrenceFusedKernelR runs the fused kernels alone (no graph) at config R's shape.
func BenchmarkRecurrenceFusedKernelR(b *testing.B) {
	benchWithBLAS(b, func(b *testing.B) {
		for _, pass := range []string{"forward", "forward+backward"} {
			b.Run(pass, func(b *testing.B) {
				B, T, N := benchB, benchT, benchN
				rng := rand.New(rand.NewPCG(12, 13))
				rnd := func(n int, s float32) []float32 {
					x := make([]float32, n)
					for i := range x {
						x[i] = s * float32(rng.NormFloat64())
					}
					return x
				}
				I, W, gV := rnd(B*T*N, 1), rnd(N*N, 0.1), rnd(B*T*N, 1)
				alpha, h0 := make([]float32, N), rnd(N, 0.5)
				for i := range alpha {
					alpha[i] = 0.1
				}
				V := make([]float32, B*T*N)
				dI, dW, da, dh := make([]float32, B*T*N), make([]float32, N*N), make([]float32, N), make([]float32, N)
				st := &fusedState[float32]{kind: actReLU, B: B, T: T, N: N}
				st.forward(V, I, W, alpha, h0, nil, nil)
				st.backward(dI, dW, da, dh, I, W, alpha, h0, V, gV)
				flops := benchFlops(B, T, N)
				if pass == "forward" {
					flops /= 3
				}
				b.ReportAllocs()
				b.ResetTimer()
				start := time.Now()
				for i := 0; i < b.N; i++ {
					st.forward(V, I, W, alpha, h0, nil, nil)
					if pass != "forward" {
						st.backward(dI, dW, da, dh, I, W, alpha, h0, V, gV)
					}
				}
				benchReport(b, time.Since(start), flops)
			})
		}
	})
}
