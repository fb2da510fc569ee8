//go:build !((darwin || freebsd || linux || netbsd) && !android && !faketime && (amd64 || arm64))

package blas

import (
	"errors"
	"runtime"
)

// LibEnvVar names a shared library (file name or path) to load in place of the usual candidates.
// It has no effect on this platform.
const LibEnvVar = "DALE_OPENBLAS_LIB"

// load always fails here: purego cannot load shared libraries on this platform.
func load() (*library, error) {
	return nil, errors.New("OpenBLAS not loaded: loading shared libraries is not supported on " +
		runtime.GOOS + "/" + runtime.GOARCH)
}
