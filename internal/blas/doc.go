// Package blas is the one place where dale picks its BLAS, at run time.
//
// dale builds as a pure-Go program: no cgo and no system library are needed to compile it or to
// run it. When the OpenBLAS shared library (Debian's libopenblas0) is installed, this package loads
// it on first use through github.com/ebitengine/purego (dlopen without cgo) and forwards the heavy
// float32/float64 routines (gemm, gemv, ger) to it; otherwise everything runs on gonum's pure-Go
// implementation (gonum.org/v1/gonum/blas/gonum). Callers never see the difference: [Float32] and
// [Float64] return gonum blas interfaces with gonum's row-major argument convention, and every
// routine not forwarded comes from gonum.
//
// The choice is made once, lazily, from the environment variable DALE_BLAS:
//
//	unset, "" or "auto"  OpenBLAS when it can be loaded, else pure Go
//	"go"                 pure Go, whatever is installed
//	"openblas"           OpenBLAS is required: [Init] returns an error when it cannot be loaded
//
// Asking for an implementation never panics because of the environment: when the requested
// BLAS cannot be used the package falls back to pure Go and records why ([Reason]). Programs that
// want a hard failure call [Init] at start-up and report its error. DALE_OPENBLAS_LIB may name the
// shared library to load (a file name or a path) before the usual candidates are tried.
//
// Threads: dale parallelises in Go, so OpenBLAS runs each call on the calling thread. Unless
// OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or OMP_NUM_THREADS is set (OpenBLAS reads those
// itself), its thread count is set to 1 when it loads ([SetThreads] changes it later). dale's
// hot products are small (one time step of a recurrent network: 64×256×256, a few MFLOP):
// OpenBLAS's own threads cost more than they gain on them, and after each call they spin for a
// while on the cores the Go goroutines need. The fused recurrence (package rnn) splits the
// batch among GOMAXPROCS goroutines itself when [Threads] is 1, each calling OpenBLAS on its
// rows; with more OpenBLAS threads it makes one call per product and lets OpenBLAS split it.
//
// Kernels: OpenBLAS picks its kernels for the CPU itself, or takes them from
// OPENBLAS_CORETYPE; dale leaves that variable alone, because some OpenBLAS builds compute
// wrong results or crash with kernels their CPU detection did not choose. Releases that do not
// know a CPU fall back to older kernels: Debian 12's 0.3.21 runs its AVX2 (Haswell) kernels on
// AMD Zen 4, at well under half the float32 rate of its AVX-512 (SkylakeX) ones. Where such a
// build has been checked on the machine, OPENBLAS_CORETYPE=SkylakeX selects them. A
// DYNAMIC_ARCH build names its core in [Reason].
//
// gorgonia and gorgonia's tensor package keep their own global BLAS; [UseInGorgonia] points them
// at the implementation chosen here, so that gorgonia's own matrix products use it too.
package blas
