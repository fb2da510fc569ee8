//go:build tools

// Package deps pins the module's dependencies while the packages that use
// them are being written. It is never built.
package deps

import (
	_ "github.com/chewxy/hm"
	_ "github.com/ebitengine/purego"
	_ "github.com/schollz/progressbar/v3"
	_ "golang.org/x/term"
	_ "gonum.org/v1/gonum/blas/gonum"
	_ "gonum.org/v1/gonum/mat"
	_ "gonum.org/v1/gonum/stat"
	_ "gonum.org/v1/plot"
	_ "gorgonia.org/gorgonia"
	_ "gorgonia.org/tensor"
)
