//go:build (darwin || freebsd || linux || netbsd) && !android && !faketime && (amd64 || arm64)

package blas

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/ebitengine/purego"
)

// LibEnvVar names a shared library (file name or path) to load in place of the usual candidates.
const LibEnvVar = "DALE_OPENBLAS_LIB"

// candidates lists the shared libraries to try, in order.
func candidates() []string {
	if p := os.Getenv(LibEnvVar); p != "" {
		return []string{p}
	}
	if runtime.GOOS == "darwin" {
		return []string{
			"libopenblas.0.dylib",
			"libopenblas.dylib",
			"/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
			"/usr/local/opt/openblas/lib/libopenblas.dylib",
		}
	}
	triple := "x86_64-linux-gnu"
	if runtime.GOARCH == "arm64" {
		triple = "aarch64-linux-gnu"
	}
	return []string{
		"libopenblas.so.0",
		"libopenblas.so",
		"/usr/lib/" + triple + "/openblas-pthread/libopenblas.so.0",
	}
}

// coreTypeEnvVar is read by OpenBLAS builds with DYNAMIC_ARCH when the library loads: the name
// of the CPU core whose kernels to use, in place of the one OpenBLAS detects. dale never sets
// it (see the package doc).
const coreTypeEnvVar = "OPENBLAS_CORETYPE"

// load opens the first usable OpenBLAS among the candidates.
func load() (*library, error) {
	var errs []string
	for _, name := range candidates() {
		h, err := purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		l, err := bind(h, name)
		if err != nil {
			// Not closed: a library that has started threads may not survive dlclose.
			errs = append(errs, err.Error())
			continue
		}
		return l, nil
	}
	return nil, errors.New("OpenBLAS not loaded: " + strings.Join(errs, "; "))
}

// bind looks up the entry points, refuses 64-bit-integer builds and checks one tiny product.
func bind(h uintptr, name string) (*library, error) {
	l := &library{path: name}
	required := []struct {
		sym string
		fn  any
	}{
		{"cblas_sgemm", &l.sgemm},
		{"cblas_dgemm", &l.dgemm},
		{"cblas_sgemv", &l.sgemv},
		{"cblas_dgemv", &l.dgemv},
		{"cblas_sger", &l.sger},
		{"cblas_dger", &l.dger},
	}
	var sgemmAddr uintptr
	for _, r := range required {
		p, err := purego.Dlsym(h, r.sym)
		if err != nil || p == 0 {
			return nil, fmt.Errorf("%s: symbol %s not found", name, r.sym)
		}
		if r.sym == "cblas_sgemm" {
			sgemmAddr = p
		}
		purego.RegisterFunc(r.fn, p)
	}
	if p, err := purego.Dlsym(h, "openblas_get_config"); err == nil && p != 0 {
		var config func() string
		purego.RegisterFunc(&config, p)
		l.config = strings.TrimSpace(config())
	}
	if strings.Contains(l.config, "USE64BITINT") {
		return nil, fmt.Errorf("%s: built with 64-bit integers (%s); dale needs 32-bit CBLAS integers", name, l.config)
	}
	if p, err := purego.Dlsym(h, "openblas_set_num_threads"); err == nil && p != 0 {
		purego.RegisterFunc(&l.setThreads, p)
	}
	if p, err := purego.Dlsym(h, "openblas_get_num_threads"); err == nil && p != 0 {
		purego.RegisterFunc(&l.getThreads, p)
	}
	if path := mappedPath(sgemmAddr); path != "" {
		l.path = path
	}
	if err := selfTest(l); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return l, nil
}

// selfTest runs a 2×2 sgemm and dgemm through the raw entry points and checks the answer, so that
// a library with an unexpected ABI is refused rather than used.
func selfTest(l *library) error {
	a32 := []float32{1, 2, 3, 4}
	b32 := []float32{5, 6, 7, 8}
	c32 := []float32{1, 1, 1, 1}
	l.sgemm(cblasRowMajor, cblasNoTrans, cblasTrans, 2, 2, 2, 2, &a32[0], 2, &b32[0], 2, 0.5, &c32[0], 2)
	// A·Bᵀ = [17 23; 39 53]; 2·A·Bᵀ + 0.5 = [34.5 46.5; 78.5 106.5]
	want := []float64{34.5, 46.5, 78.5, 106.5}
	a64 := []float64{1, 2, 3, 4}
	b64 := []float64{5, 6, 7, 8}
	c64 := []float64{1, 1, 1, 1}
	l.dgemm(cblasRowMajor, cblasNoTrans, cblasTrans, 2, 2, 2, 2, &a64[0], 2, &b64[0], 2, 0.5, &c64[0], 2)
	for i, w := range want {
		if float64(c32[i]) != w || c64[i] != w {
			return fmt.Errorf("self-test failed: sgemm gave %v, dgemm gave %v, want %v", c32, c64, want)
		}
	}
	return nil
}

// mappedPath returns the file mapped at address addr in this process (Linux /proc/self/maps),
// or "" when it cannot tell.
func mappedPath(addr uintptr) string {
	if runtime.GOOS != "linux" || addr == 0 {
		return ""
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		if uint64(addr) >= start && uint64(addr) < end {
			return strings.Join(fields[5:], " ")
		}
	}
	return ""
}
