package blas

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
)

// Names of the implementations, as returned by [Name] and accepted by [Set] and DALE_BLAS.
const (
	Go       = "go"
	OpenBLAS = "openblas"
	Auto     = "auto"
)

// EnvVar is the environment variable that chooses the implementation.
const EnvVar = "DALE_BLAS"

// Impl is a complete BLAS: the four gonum blas interfaces, as gorgonia.Use wants them.
type Impl interface {
	blas.Float32
	blas.Float64
	blas.Complex64
	blas.Complex128
}

// choice is one resolved implementation with the reason it was chosen.
type choice struct {
	name   string
	reason string
	impl   Impl
	lib    *library // nil for pure Go
}

var (
	current  atomic.Pointer[choice]
	envOnce  sync.Once
	envErr   error
	loadOnce sync.Once
	loaded   *library
	loadErr  error
)

// loadOpenBLAS loads the shared library once per process; later calls return the same result.
func loadOpenBLAS() (*library, error) {
	loadOnce.Do(func() {
		loaded, loadErr = load()
		if loadErr == nil {
			setDefaultThreads(loaded)
		}
	})
	return loaded, loadErr
}

// setDefaultThreads runs OpenBLAS on one thread (dale parallelises in Go, see the package doc)
// unless the user set one of the variables OpenBLAS reads itself.
func setDefaultThreads(l *library) {
	for _, v := range []string{"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"} {
		if os.Getenv(v) != "" {
			return
		}
	}
	if l.setThreads != nil {
		l.setThreads(1)
	}
}

func goChoice(reason string) *choice {
	return &choice{name: Go, reason: reason, impl: gonum.Implementation{}}
}

func openblasChoice(l *library) *choice {
	return &choice{name: OpenBLAS, reason: "loaded " + l.describe(), impl: openblas{lib: l}, lib: l}
}

// resolve picks the implementation for a DALE_BLAS value (source EnvVar) or a Set argument
// (source "Set"). It never fails: on error it returns the pure-Go choice together with the error.
func resolve(value, source string) (*choice, error) {
	what := source + "=" + strings.TrimSpace(value)
	if source != EnvVar {
		what = fmt.Sprintf("%s(%q)", source, value)
	}
	switch strings.ToLower(strings.TrimSpace(value)) {
	case "", Auto:
		l, err := loadOpenBLAS()
		if err != nil {
			return goChoice(err.Error()), nil
		}
		return openblasChoice(l), nil
	case Go:
		if source == EnvVar {
			return goChoice(EnvVar + "=" + Go), nil
		}
		return goChoice(what), nil
	case OpenBLAS:
		l, err := loadOpenBLAS()
		if err != nil {
			if source != EnvVar {
				return nil, fmt.Errorf("blas: %s: OpenBLAS cannot be used: %w", what, err)
			}
			err = fmt.Errorf("%s but OpenBLAS cannot be used: %w", what, err)
			return goChoice(err.Error() + "; using pure Go"), err
		}
		return openblasChoice(l), nil
	default:
		var err error
		if source == EnvVar {
			err = fmt.Errorf("%s = %q is not allowed: must be one of %q, %q, %q (or unset)",
				EnvVar, value, Auto, Go, OpenBLAS)
		} else {
			err = fmt.Errorf("blas: %s: %q is not allowed: must be one of %q, %q, %q",
				what, value, Auto, Go, OpenBLAS)
		}
		return goChoice(err.Error() + "; using pure Go"), err
	}
}

// get returns the current choice, resolving DALE_BLAS on first use.
func get() *choice {
	if c := current.Load(); c != nil {
		return c
	}
	envOnce.Do(func() {
		c, err := resolve(os.Getenv(EnvVar), EnvVar)
		envErr = err
		current.CompareAndSwap(nil, c)
	})
	return current.Load()
}

// Init resolves DALE_BLAS now and returns an error when it asks for something that cannot be had:
// an unknown value, or "openblas" when the library cannot be loaded. In both cases the pure-Go
// BLAS is in use afterwards, so a caller may also log the error and carry on. Commands call Init
// at start-up; calling it more than once returns the same result.
func Init() error {
	get()
	return envErr
}

// Float32 returns the float32 BLAS in use. It never panics and never returns nil.
func Float32() blas.Float32 { return get().impl }

// Float64 returns the float64 BLAS in use. It never panics and never returns nil.
func Float64() blas.Float64 { return get().impl }

// Implementation returns the complete BLAS in use (float32, float64, complex64, complex128).
func Implementation() Impl { return get().impl }

// Name returns the name of the BLAS in use: "go" or "openblas".
func Name() string { return get().name }

// Reason says why the BLAS in use was chosen, e.g. "DALE_BLAS=go", the loader's error when
// OpenBLAS could not be loaded, or "loaded /usr/lib/.../libopenblas.so.0 (OpenBLAS 0.3.21 ...)".
func Reason() string { return get().reason }

// Threads returns the number of threads the BLAS in use may run a product on: OpenBLAS's own
// count (1 by default, see the package doc), or runtime.GOMAXPROCS(0) for the pure-Go BLAS
// (gonum spreads large products over that many goroutines).
func Threads() int {
	c := get()
	if c.lib != nil && c.lib.getThreads != nil {
		return int(c.lib.getThreads())
	}
	return runtime.GOMAXPROCS(0)
}

// SetThreads sets OpenBLAS's thread count (n ≥ 1). It returns an error when OpenBLAS is not in
// use or does not export openblas_set_num_threads.
func SetThreads(n int) error {
	if n < 1 {
		return fmt.Errorf("blas: threads = %d is not allowed: must be at least 1", n)
	}
	c := get()
	if c.lib == nil {
		return fmt.Errorf("blas: cannot set threads: the BLAS in use is %q, not %q", c.name, OpenBLAS)
	}
	if c.lib.setThreads == nil {
		return fmt.Errorf("blas: cannot set threads: %s does not export openblas_set_num_threads", c.lib.path)
	}
	c.lib.setThreads(int32(n))
	return nil
}

// Set switches the BLAS in use to name ("go", "openblas" or "auto"), for tests and benchmarks
// that compare implementations. On error the BLAS in use does not change. Set is not safe to
// call while another goroutine runs BLAS routines obtained from this package, and it does not
// change gorgonia's BLAS: call [UseInGorgonia] again after it.
func Set(name string) error {
	get() // settle the environment's choice first, so it cannot overwrite this one later
	c, err := resolve(name, "Set")
	if err != nil {
		return err
	}
	current.Store(c)
	return nil
}

// UseInGorgonia points gorgonia's (and gorgonia's tensor package's) matrix products at the BLAS
// in use. gorgonia.Use sets tensor's BLAS too. It changes process-wide state in gorgonia; call it
// once at start-up, and again after [Set].
func UseInGorgonia() {
	gorgonia.Use(get().impl)
}
