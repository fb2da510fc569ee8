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
// OpenBLAS runs its own threads. Unless OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS or
// OMP_NUM_THREADS is set (OpenBLAS reads those itself), the thread count is set to
// runtime.GOMAXPROCS(0), which follows the CPUs and CPU quota available to the process.
//
// gorgonia and gorgonia's tensor package keep their own global BLAS; [UseInGorgonia] points them
// at the implementation chosen here, so that gorgonia's own matrix products use it too.
package blas
