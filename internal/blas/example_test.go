package blas_test

import (
	"fmt"
	"os"

	gblas "gonum.org/v1/gonum/blas"

	"github.com/dale-rnn/dale/internal/blas"
)

// A program calls Init once at start-up (to report a DALE_BLAS it cannot honour), points
// gorgonia at the chosen BLAS, and then uses Float32/Float64 wherever it needs a product.
func Example() {
	if err := blas.Init(); err != nil {
		fmt.Fprintln(os.Stderr, "warning:", err) // the pure-Go BLAS is in use
	}
	blas.UseInGorgonia()
	fmt.Fprintf(os.Stderr, "BLAS: %s (%s), %d threads\n", blas.Name(), blas.Reason(), blas.Threads())

	// C = A·B for a 2×3 and a 3×2 matrix, row-major.
	a := []float32{1, 2, 3, 4, 5, 6}
	b := []float32{7, 8, 9, 10, 11, 12}
	c := make([]float32, 4)
	blas.Float32().Sgemm(gblas.NoTrans, gblas.NoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2)
	fmt.Println(c)
	fmt.Println(blas.Name() == blas.Go || blas.Name() == blas.OpenBLAS)
	// Output:
	// [58 64 139 154]
	// true
}

// Set switches the implementation explicitly, e.g. to compare both in one benchmark run.
func ExampleSet() {
	if err := blas.Set(blas.Go); err != nil {
		fmt.Println(err)
	}
	fmt.Println(blas.Name(), blas.Reason())
	err := blas.Set("mkl")
	fmt.Println(err)
	// Output:
	// go Set("go")
	// blas: Set("mkl"): "mkl" is not allowed: must be one of "auto", "go", "openblas"
}
