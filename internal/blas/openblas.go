package blas

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// CBLAS enumeration values (cblas.h).
const (
	cblasRowMajor = 101
	cblasNoTrans  = 111
	cblasTrans    = 112
)

// library holds the OpenBLAS entry points. Integers are CBLAS's 32-bit int (an OpenBLAS built
// with 64-bit integers is refused by the loader).
type library struct {
	path   string // where the library was found, as well as it is known
	config string // openblas_get_config(), or ""

	sgemm func(order, tA, tB, m, n, k int32, alpha float32, a *float32, lda int32, b *float32, ldb int32, beta float32, c *float32, ldc int32)
	dgemm func(order, tA, tB, m, n, k int32, alpha float64, a *float64, lda int32, b *float64, ldb int32, beta float64, c *float64, ldc int32)
	sgemv func(order, tA, m, n int32, alpha float32, a *float32, lda int32, x *float32, incX int32, beta float32, y *float32, incY int32)
	dgemv func(order, tA, m, n int32, alpha float64, a *float64, lda int32, x *float64, incX int32, beta float64, y *float64, incY int32)
	sger  func(order, m, n int32, alpha float32, x *float32, incX int32, y *float32, incY int32, a *float32, lda int32)
	dger  func(order, m, n int32, alpha float64, x *float64, incX int32, y *float64, incY int32, a *float64, lda int32)

	setThreads func(n int32) // optional
	getThreads func() int32  // optional
}

func (l *library) describe() string {
	if l.config == "" {
		return l.path
	}
	return l.path + " (" + l.config + ")"
}

// Panic messages, the same as gonum's (gonum.org/v1/gonum/blas/gonum/errors.go).
const (
	zeroIncX     = "blas: zero x index increment"
	zeroIncY     = "blas: zero y index increment"
	mLT0         = "blas: m < 0"
	nLT0         = "blas: n < 0"
	kLT0         = "blas: k < 0"
	badTranspose = "blas: illegal transpose"
	badLdA       = "blas: bad leading dimension of A"
	badLdB       = "blas: bad leading dimension of B"
	badLdC       = "blas: bad leading dimension of C"
	shortX       = "blas: insufficient length of x"
	shortY       = "blas: insufficient length of y"
	shortA       = "blas: insufficient length of a"
	shortB       = "blas: insufficient length of b"
	shortC       = "blas: insufficient length of c"
)

// Problems smaller than these (m*n*k for gemm, m*n for gemv and ger) go to gonum. A foreign call
// costs about 1.2 µs and 12 small allocations (purego's reflect-made function); measured on a
// 2-core AVX2 machine, gonum wins below about 20³ for sgemm, and below about 360² for gemv and ger
// (where OpenBLAS's threads only pay off on larger matrices). Variables so that tests can send
// every size to OpenBLAS.
var (
	minGemmFlops = 8192
	minGemvFlops = 1 << 17
)

// openblas is gonum's implementation with gemm, gemv and ger forwarded to OpenBLAS. Every other
// routine, including all complex ones, is gonum's.
type openblas struct {
	gonum.Implementation
	lib *library
}

var _ Impl = openblas{}

func toCBLAS(t blas.Transpose) int32 {
	if t == blas.NoTrans {
		return cblasNoTrans
	}
	return cblasTrans // Trans and ConjTrans are the same for real matrices
}

// fitsInt32 reports whether every value fits CBLAS's 32-bit int.
func fitsInt32(vs ...int) bool {
	for _, v := range vs {
		if v > math.MaxInt32 || v < math.MinInt32 {
			return false
		}
	}
	return true
}

// checkGemm validates gemm arguments exactly as gonum does and reports whether there is work
// for the library to do (m, n > 0). It panics with gonum's messages.
func checkGemm(tA, tB blas.Transpose, m, n, k, lda, ldb, ldc, lenA, lenB, lenC int) bool {
	switch tA {
	default:
		panic(badTranspose)
	case blas.NoTrans, blas.Trans, blas.ConjTrans:
	}
	switch tB {
	default:
		panic(badTranspose)
	case blas.NoTrans, blas.Trans, blas.ConjTrans:
	}
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if k < 0 {
		panic(kLT0)
	}
	aTrans := tA != blas.NoTrans
	if aTrans {
		if lda < max(1, m) {
			panic(badLdA)
		}
	} else if lda < max(1, k) {
		panic(badLdA)
	}
	bTrans := tB != blas.NoTrans
	if bTrans {
		if ldb < max(1, k) {
			panic(badLdB)
		}
	} else if ldb < max(1, n) {
		panic(badLdB)
	}
	if ldc < max(1, n) {
		panic(badLdC)
	}
	if m == 0 || n == 0 {
		return false
	}
	if aTrans {
		if lenA < (k-1)*lda+m {
			panic(shortA)
		}
	} else if lenA < (m-1)*lda+k {
		panic(shortA)
	}
	if bTrans {
		if lenB < (n-1)*ldb+k {
			panic(shortB)
		}
	} else if lenB < (k-1)*ldb+n {
		panic(shortB)
	}
	if lenC < (m-1)*ldc+n {
		panic(shortC)
	}
	return true
}

// gemmToGo reports whether a checked gemm call with m, n > 0 should run in gonum: k = 0 or
// alpha = 0 (only C is scaled, and A or B may be empty), tiny products, or sizes past int32.
func gemmToGo(m, n, k int, alphaZero bool, lda, ldb, ldc int) bool {
	return k == 0 || alphaZero || m*n*k < minGemmFlops || !fitsInt32(m, n, k, lda, ldb, ldc)
}

// Sgemm computes C = alpha * op(A) * op(B) + beta * C, as gonum's Sgemm does.
func (o openblas) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if !checkGemm(tA, tB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c)) {
		return
	}
	if gemmToGo(m, n, k, alpha == 0, lda, ldb, ldc) {
		o.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	o.lib.sgemm(cblasRowMajor, toCBLAS(tA), toCBLAS(tB), int32(m), int32(n), int32(k),
		alpha, &a[0], int32(lda), &b[0], int32(ldb), beta, &c[0], int32(ldc))
}

// Dgemm computes C = alpha * op(A) * op(B) + beta * C, as gonum's Dgemm does.
func (o openblas) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if !checkGemm(tA, tB, m, n, k, lda, ldb, ldc, len(a), len(b), len(c)) {
		return
	}
	if gemmToGo(m, n, k, alpha == 0, lda, ldb, ldc) {
		o.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	o.lib.dgemm(cblasRowMajor, toCBLAS(tA), toCBLAS(tB), int32(m), int32(n), int32(k),
		alpha, &a[0], int32(lda), &b[0], int32(ldb), beta, &c[0], int32(ldc))
}

// vecShort reports whether a vector of n elements with increment inc does not fit in length l.
func vecShort(n, inc, l int) bool {
	return (inc > 0 && (n-1)*inc >= l) || (inc < 0 && (1-n)*inc >= l)
}

// checkGemv validates gemv arguments as gonum does and reports whether there is work for the
// library (m, n > 0 and alpha ≠ 0).
func checkGemv(tA blas.Transpose, m, n, lda, incX, incY, lenA, lenX, lenY int, alphaZero bool) bool {
	if tA != blas.NoTrans && tA != blas.Trans && tA != blas.ConjTrans {
		panic(badTranspose)
	}
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if lda < max(1, n) {
		panic(badLdA)
	}
	if incX == 0 {
		panic(zeroIncX)
	}
	if incY == 0 {
		panic(zeroIncY)
	}
	if m == 0 || n == 0 {
		return false
	}
	nx, ny := m, n
	if tA == blas.NoTrans {
		nx, ny = n, m
	}
	if vecShort(nx, incX, lenX) {
		panic(shortX)
	}
	if vecShort(ny, incY, lenY) {
		panic(shortY)
	}
	if lenA < lda*(m-1)+n {
		panic(shortA)
	}
	return !alphaZero
}

// Sgemv computes y = alpha * op(A) * x + beta * y, as gonum's Sgemv does.
func (o openblas) Sgemv(tA blas.Transpose, m, n int, alpha float32, a []float32, lda int, x []float32, incX int, beta float32, y []float32, incY int) {
	if !checkGemv(tA, m, n, lda, incX, incY, len(a), len(x), len(y), alpha == 0) ||
		m*n < minGemvFlops || !fitsInt32(m, n, lda, incX, incY) {
		// gonum handles the quick returns (including y = beta*y) and small problems.
		o.Implementation.Sgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	if beta == 0 {
		// BLAS semantics: y is not read when beta = 0 (NaN in y must not survive); some
		// OpenBLAS versions compute 0*y.
		zeroStrided32(y, leny(tA, m, n), incY)
	}
	o.lib.sgemv(cblasRowMajor, toCBLAS(tA), int32(m), int32(n), alpha, &a[0], int32(lda),
		&x[0], int32(incX), beta, &y[0], int32(incY))
}

// Dgemv computes y = alpha * op(A) * x + beta * y, as gonum's Dgemv does.
func (o openblas) Dgemv(tA blas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	if !checkGemv(tA, m, n, lda, incX, incY, len(a), len(x), len(y), alpha == 0) ||
		m*n < minGemvFlops || !fitsInt32(m, n, lda, incX, incY) {
		o.Implementation.Dgemv(tA, m, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	if beta == 0 {
		zeroStrided64(y, leny(tA, m, n), incY)
	}
	o.lib.dgemv(cblasRowMajor, toCBLAS(tA), int32(m), int32(n), alpha, &a[0], int32(lda),
		&x[0], int32(incX), beta, &y[0], int32(incY))
}

func leny(tA blas.Transpose, m, n int) int {
	if tA == blas.NoTrans {
		return m
	}
	return n
}

func zeroStrided32(y []float32, n, inc int) {
	if inc < 0 {
		inc = -inc
	}
	for i := 0; i < n; i++ {
		y[i*inc] = 0
	}
}

func zeroStrided64(y []float64, n, inc int) {
	if inc < 0 {
		inc = -inc
	}
	for i := 0; i < n; i++ {
		y[i*inc] = 0
	}
}

// checkGer validates ger arguments as gonum does and reports whether there is work for the
// library (m, n > 0 and alpha ≠ 0).
func checkGer(m, n, incX, incY, lda, lenX, lenY, lenA int, alphaZero bool) bool {
	if m < 0 {
		panic(mLT0)
	}
	if n < 0 {
		panic(nLT0)
	}
	if lda < max(1, n) {
		panic(badLdA)
	}
	if incX == 0 {
		panic(zeroIncX)
	}
	if incY == 0 {
		panic(zeroIncY)
	}
	if m == 0 || n == 0 {
		return false
	}
	if vecShort(m, incX, lenX) {
		panic(shortX)
	}
	if vecShort(n, incY, lenY) {
		panic(shortY)
	}
	if lenA < lda*(m-1)+n {
		panic(shortA)
	}
	return !alphaZero
}

// Sger computes A += alpha * x * yᵀ, as gonum's Sger does. Negative increments always go to
// OpenBLAS: gonum v0.17.0's amd64 assembly Ger gives wrong results for them.
func (o openblas) Sger(m, n int, alpha float32, x []float32, incX int, y []float32, incY int, a []float32, lda int) {
	if !checkGer(m, n, incX, incY, lda, len(x), len(y), len(a), alpha == 0) {
		return
	}
	if (m*n < minGemvFlops && incX > 0 && incY > 0) || !fitsInt32(m, n, incX, incY, lda) {
		o.Implementation.Sger(m, n, alpha, x, incX, y, incY, a, lda)
		return
	}
	o.lib.sger(cblasRowMajor, int32(m), int32(n), alpha, &x[0], int32(incX), &y[0], int32(incY), &a[0], int32(lda))
}

// Dger computes A += alpha * x * yᵀ, as gonum's Dger does (negative increments: see Sger).
func (o openblas) Dger(m, n int, alpha float64, x []float64, incX int, y []float64, incY int, a []float64, lda int) {
	if !checkGer(m, n, incX, incY, lda, len(x), len(y), len(a), alpha == 0) {
		return
	}
	if (m*n < minGemvFlops && incX > 0 && incY > 0) || !fitsInt32(m, n, incX, incY, lda) {
		o.Implementation.Dger(m, n, alpha, x, incX, y, incY, a, lda)
		return
	}
	o.lib.dger(cblasRowMajor, int32(m), int32(n), alpha, &x[0], int32(incX), &y[0], int32(incY), &a[0], int32(lda))
}
