package blas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// requireOpenBLAS returns the OpenBLAS implementation, skipping the test when the library cannot
// be loaded, or failing it when DALE_REQUIRE_OPENBLAS=1 (CI installs libopenblas0 and sets it).
func requireOpenBLAS(t testing.TB) openblas {
	t.Helper()
	l, err := loadOpenBLAS()
	if err != nil {
		if os.Getenv("DALE_REQUIRE_OPENBLAS") == "1" {
			t.Fatalf("DALE_REQUIRE_OPENBLAS=1 but OpenBLAS cannot be loaded: %v", err)
		}
		t.Skipf("OpenBLAS not available: %v", err)
	}
	return openblas{lib: l}
}

// allToOpenBLAS sends every problem size to OpenBLAS for the rest of the test.
func allToOpenBLAS(t *testing.T) {
	g, v := minGemmFlops, minGemvFlops
	minGemmFlops, minGemvFlops = 0, 0
	t.Cleanup(func() { minGemmFlops, minGemvFlops = g, v })
}

type float interface{ float32 | float64 }

type gemmFunc[F float] func(tA, tB blas.Transpose, m, n, k int, alpha F, a []F, lda int, b []F, ldb int, beta F, c []F, ldc int)
type gemvFunc[F float] func(tA blas.Transpose, m, n int, alpha F, a []F, lda int, x []F, incX int, beta F, y []F, incY int)
type gerFunc[F float] func(m, n int, alpha F, x []F, incX int, y []F, incY int, a []F, lda int)

func randSlice[F float](rnd *rand.Rand, n int) []F {
	s := make([]F, n)
	for i := range s {
		s[i] = F(2*rnd.Float64() - 1)
	}
	return s
}

func eps[F float]() float64 {
	var x F
	if _, ok := any(x).(float32); ok {
		return 0x1p-24
	}
	return 0x1p-53
}

func same[F float](a, b F) bool {
	return a == b || (a != a && b != b) // NaN-safe bitwise-enough identity for untouched memory
}

var transposes = []blas.Transpose{blas.NoTrans, blas.Trans, blas.ConjTrans}

// dims returns the stored rows and columns of op(X) = r×c under transpose t.
func dims(t blas.Transpose, r, c int) (int, int) {
	if t == blas.NoTrans {
		return r, c
	}
	return c, r
}

func testGemm[F float](t *testing.T, ours, ref gemmFunc[F]) {
	rnd := rand.New(rand.NewPCG(1, 2))
	shapes := []struct{ m, n, k int }{
		{1, 1, 1}, {3, 5, 7}, {17, 9, 33}, {1, 40, 3}, {40, 1, 40}, {33, 65, 2},
		{64, 256, 256}, // the config-R forward product
		{0, 5, 3}, {5, 0, 3}, {4, 6, 0}, {0, 0, 0},
	}
	scalars := []struct{ alpha, beta F }{{1, 0}, {0.5, -1.5}, {-2, 1}, {0, 0.5}, {0, 0}}
	cases := 0
	for _, sh := range shapes {
		for _, tA := range transposes {
			for _, tB := range transposes {
				for _, pad := range []int{0, 3} {
					for _, sc := range scalars {
						big := sh.m*sh.n*sh.k > 100000
						if big && (pad == 0 || tA == blas.ConjTrans || tB == blas.ConjTrans || sc.alpha == 0) {
							continue // keep the large shape to the cases that matter
						}
						name := fmt.Sprintf("m%d_n%d_k%d_%c%c_pad%d_a%g_b%g", sh.m, sh.n, sh.k, tA, tB, pad, sc.alpha, sc.beta)
						checkGemmCase(t, name, rnd, ours, ref, tA, tB, sh.m, sh.n, sh.k, pad, sc.alpha, sc.beta)
						cases++
					}
				}
			}
		}
	}
	if cases < 500 {
		t.Fatalf("only %d gemm cases ran", cases)
	}
}

func checkGemmCase[F float](t *testing.T, name string, rnd *rand.Rand, ours, ref gemmFunc[F], tA, tB blas.Transpose, m, n, k, pad int, alpha, beta F) {
	ar, ac := dims(tA, m, k)
	br, bc := dims(tB, k, n)
	lda, ldb, ldc := max(1, ac+pad), max(1, bc+pad), max(1, n+pad)
	a := randSlice[F](rnd, max(0, (ar-1)*lda+ac))
	b := randSlice[F](rnd, max(0, (br-1)*ldb+bc))
	// C lives in a larger buffer: its padding columns and a tail after it must stay untouched.
	cLen := max(0, (m-1)*ldc+n)
	buf := randSlice[F](rnd, m*ldc+7)
	if beta == 0 {
		// BLAS: C is not read when beta = 0, so NaN there must not survive.
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				buf[i*ldc+j] = F(math.NaN())
			}
		}
	}
	orig := append([]F(nil), buf...)
	got := append([]F(nil), buf...)
	want := append([]F(nil), buf...)
	ours(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, got[:cLen], ldc)
	ref(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, want[:cLen], ldc)

	at := func(i, l int) F { // op(A)[i][l]
		if tA == blas.NoTrans {
			return a[i*lda+l]
		}
		return a[l*lda+i]
	}
	bt := func(l, j int) F { // op(B)[l][j]
		if tB == blas.NoTrans {
			return b[l*ldb+j]
		}
		return b[j*ldb+l]
	}
	for idx := range buf {
		i, j := idx/ldc, idx%ldc
		if i >= m || j >= n {
			if !same(got[idx], orig[idx]) {
				t.Fatalf("%s: wrote outside C at buffer index %d (row %d col %d): %v → %v", name, idx, i, j, orig[idx], got[idx])
			}
			continue
		}
		// Error bound of a k-term dot product: (k+2)·eps·(|α|·Σ|a||b| + |β|·|c|).
		var mag float64
		for l := 0; l < k; l++ {
			mag += math.Abs(float64(at(i, l)) * float64(bt(l, j)))
		}
		mag = math.Abs(float64(alpha))*mag + math.Abs(float64(beta))*math.Abs(float64(orig[idx]))
		tol := 2 * float64(k+2) * eps[F]() * mag
		g, w := float64(got[idx]), float64(want[idx])
		if math.IsNaN(g) || math.IsNaN(w) || math.Abs(g-w) > tol {
			t.Fatalf("%s: C[%d][%d] = %v, gonum gives %v (tolerance %g)", name, i, j, g, w, tol)
		}
	}
}

func TestSgemmMatchesGonum(t *testing.T) {
	o := requireOpenBLAS(t)
	allToOpenBLAS(t)
	testGemm[float32](t, o.Sgemm, gonum.Implementation{}.Sgemm)
}

func TestDgemmMatchesGonum(t *testing.T) {
	o := requireOpenBLAS(t)
	allToOpenBLAS(t)
	testGemm[float64](t, o.Dgemm, gonum.Implementation{}.Dgemm)
}

// touched returns the set of indices a strided vector of n elements with increment inc uses.
func touched(n, inc int) map[int]bool {
	s := map[int]bool{}
	if inc < 0 {
		inc = -inc
	}
	for i := 0; i < n; i++ {
		s[i*inc] = true
	}
	return s
}

func vecLen(n, inc int) int {
	if inc < 0 {
		inc = -inc
	}
	return max(0, (n-1)*inc+1)
}

func testGemv[F float](t *testing.T, ours, ref gemvFunc[F]) {
	rnd := rand.New(rand.NewPCG(3, 4))
	cases := 0
	for _, sh := range []struct{ m, n int }{{1, 1}, {7, 5}, {33, 17}, {300, 520}, {0, 4}, {4, 0}} {
		for _, tA := range transposes {
			for _, incX := range []int{1, -2, 3} {
				for _, incY := range []int{1, -1, 2} {
					for _, pad := range []int{0, 2} {
						for _, sc := range []struct{ alpha, beta F }{{1, 0}, {0.5, -1.5}, {0, 2}} {
							name := fmt.Sprintf("m%d_n%d_%c_incX%d_incY%d_pad%d_a%g_b%g", sh.m, sh.n, tA, incX, incY, pad, sc.alpha, sc.beta)
							m, n := sh.m, sh.n
							lda := max(1, n+pad)
							nx, ny := n, m
							if tA != blas.NoTrans {
								nx, ny = m, n
							}
							a := randSlice[F](rnd, max(0, (m-1)*lda+n))
							x := randSlice[F](rnd, vecLen(nx, incX))
							yLen := vecLen(ny, incY)
							buf := randSlice[F](rnd, yLen+5)
							used := touched(ny, incY)
							if sc.beta == 0 {
								for i := range used {
									buf[i] = F(math.NaN())
								}
							}
							orig := append([]F(nil), buf...)
							got := append([]F(nil), buf...)
							want := append([]F(nil), buf...)
							if ny == 0 {
								yLen = 0
							}
							ours(tA, m, n, sc.alpha, a, lda, x, incX, sc.beta, got[:yLen], incY)
							ref(tA, m, n, sc.alpha, a, lda, x, incX, sc.beta, want[:yLen], incY)
							tol := 2 * float64(nx+2) * eps[F]() * (float64(nx) + 2) // |a|,|x|,|y| ≤ 1, |β| ≤ 2
							for i := range buf {
								if !used[i] || m == 0 || n == 0 {
									if !same(got[i], orig[i]) {
										t.Fatalf("%s: wrote outside y at %d: %v → %v", name, i, orig[i], got[i])
									}
									continue
								}
								g, w := float64(got[i]), float64(want[i])
								if math.IsNaN(g) || math.IsNaN(w) || math.Abs(g-w) > tol {
									t.Fatalf("%s: y[%d] = %v, gonum gives %v (tolerance %g)", name, i, g, w, tol)
								}
							}
							cases++
						}
					}
				}
			}
		}
	}
	if cases < 900 {
		t.Fatalf("only %d gemv cases ran", cases)
	}
}

func TestSgemvMatchesGonum(t *testing.T) {
	o := requireOpenBLAS(t)
	allToOpenBLAS(t)
	testGemv[float32](t, o.Sgemv, gonum.Implementation{}.Sgemv)
}

func TestDgemvMatchesGonum(t *testing.T) {
	o := requireOpenBLAS(t)
	allToOpenBLAS(t)
	testGemv[float64](t, o.Dgemv, gonum.Implementation{}.Dgemv)
}

// refGer is a naive A += alpha·x·yᵀ with reference-BLAS increments. gonum v0.17.0's amd64
// assembly Ger is wrong for negative increments, so ger is checked against this instead.
func refGer[F float](m, n int, alpha F, x []F, incX int, y []F, incY int, a []F, lda int) {
	kx, ky := 0, 0
	if incX < 0 {
		kx = (1 - m) * incX
	}
	if incY < 0 {
		ky = (1 - n) * incY
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			a[i*lda+j] += alpha * x[kx+i*incX] * y[ky+j*incY]
		}
	}
}

func testGer[F float](t *testing.T, ours gerFunc[F]) {
	rnd := rand.New(rand.NewPCG(5, 6))
	cases := 0
	for _, sh := range []struct{ m, n int }{{1, 1}, {7, 5}, {33, 17}, {300, 520}, {0, 4}, {4, 0}} {
		for _, incX := range []int{1, -2} {
			for _, incY := range []int{1, 3, -1} {
				for _, pad := range []int{0, 2} {
					for _, alpha := range []F{1, -0.5, 0} {
						name := fmt.Sprintf("m%d_n%d_incX%d_incY%d_pad%d_a%g", sh.m, sh.n, incX, incY, pad, alpha)
						m, n := sh.m, sh.n
						lda := max(1, n+pad)
						x := randSlice[F](rnd, vecLen(m, incX))
						y := randSlice[F](rnd, vecLen(n, incY))
						aLen := max(0, (m-1)*lda+n)
						buf := randSlice[F](rnd, m*lda+5)
						orig := append([]F(nil), buf...)
						got := append([]F(nil), buf...)
						want := append([]F(nil), buf...)
						ours(m, n, alpha, x, incX, y, incY, got[:aLen], lda)
						refGer(m, n, alpha, x, incX, y, incY, want[:aLen], lda)
						for idx := range buf {
							i, j := idx/lda, idx%lda
							if i >= m || j >= n {
								if !same(got[idx], orig[idx]) {
									t.Fatalf("%s: wrote outside A at %d: %v → %v", name, idx, orig[idx], got[idx])
								}
								continue
							}
							if d := math.Abs(float64(got[idx]) - float64(want[idx])); d > 8*eps[F]() {
								t.Fatalf("%s: A[%d][%d] = %v, want %v", name, i, j, got[idx], want[idx])
							}
						}
						cases++
					}
				}
			}
		}
	}
	if cases < 200 {
		t.Fatalf("only %d ger cases ran", cases)
	}
}

func TestSgerMatchesReference(t *testing.T) {
	o := requireOpenBLAS(t)
	allToOpenBLAS(t)
	testGer[float32](t, o.Sger)
}

func TestDgerMatchesReference(t *testing.T) {
	o := requireOpenBLAS(t)
	allToOpenBLAS(t)
	testGer[float64](t, o.Dger)
}

// panicMessage runs f and returns what it panicked with, or "" when it did not panic.
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// TestBadArgumentsPanicLikeGonum checks that programmer errors (bad leading dimensions, short
// slices, …) panic with gonum's message before anything reaches the C library.
func TestBadArgumentsPanicLikeGonum(t *testing.T) {
	o := requireOpenBLAS(t)
	allToOpenBLAS(t)
	g := gonum.Implementation{}
	s := func(n int) []float32 { return make([]float32, n) }
	N, T := blas.NoTrans, blas.Trans
	bad := blas.Transpose('x')
	type call func(impl blas.Float32)
	cases := []struct {
		name string
		call call
	}{
		{"gemm bad tA", func(i blas.Float32) { i.Sgemm(bad, N, 2, 2, 2, 1, s(4), 2, s(4), 2, 0, s(4), 2) }},
		{"gemm bad tB", func(i blas.Float32) { i.Sgemm(N, bad, 2, 2, 2, 1, s(4), 2, s(4), 2, 0, s(4), 2) }},
		{"gemm m<0", func(i blas.Float32) { i.Sgemm(N, N, -1, 2, 2, 1, s(4), 2, s(4), 2, 0, s(4), 2) }},
		{"gemm n<0", func(i blas.Float32) { i.Sgemm(N, N, 2, -1, 2, 1, s(4), 2, s(4), 2, 0, s(4), 2) }},
		{"gemm k<0", func(i blas.Float32) { i.Sgemm(N, N, 2, 2, -1, 1, s(4), 2, s(4), 2, 0, s(4), 2) }},
		{"gemm lda<k", func(i blas.Float32) { i.Sgemm(N, N, 4, 4, 4, 1, s(64), 3, s(16), 4, 0, s(16), 4) }},
		{"gemm lda<m trans", func(i blas.Float32) { i.Sgemm(T, N, 4, 4, 4, 1, s(64), 3, s(16), 4, 0, s(16), 4) }},
		{"gemm ldb<n", func(i blas.Float32) { i.Sgemm(N, N, 4, 4, 4, 1, s(16), 4, s(64), 3, 0, s(16), 4) }},
		{"gemm ldc<n", func(i blas.Float32) { i.Sgemm(N, N, 4, 4, 4, 1, s(16), 4, s(16), 4, 0, s(64), 3) }},
		{"gemm lda too big for a", func(i blas.Float32) { i.Sgemm(N, N, 4, 4, 4, 1, s(16), 5, s(16), 4, 0, s(16), 4) }},
		{"gemm short b", func(i blas.Float32) { i.Sgemm(N, T, 4, 4, 4, 1, s(16), 4, s(15), 4, 0, s(16), 4) }},
		{"gemm short c", func(i blas.Float32) { i.Sgemm(N, N, 4, 4, 4, 1, s(16), 4, s(16), 4, 0, s(15), 4) }},
		{"gemm ldc too big for c", func(i blas.Float32) { i.Sgemm(N, N, 4, 4, 4, 1, s(16), 4, s(16), 4, 0, s(16), 100) }},
		{"gemv bad t", func(i blas.Float32) { i.Sgemv(bad, 2, 2, 1, s(4), 2, s(2), 1, 0, s(2), 1) }},
		{"gemv lda<n", func(i blas.Float32) { i.Sgemv(N, 4, 4, 1, s(16), 3, s(4), 1, 0, s(4), 1) }},
		{"gemv incX 0", func(i blas.Float32) { i.Sgemv(N, 4, 4, 1, s(16), 4, s(4), 0, 0, s(4), 1) }},
		{"gemv incY 0", func(i blas.Float32) { i.Sgemv(N, 4, 4, 1, s(16), 4, s(4), 1, 0, s(4), 0) }},
		{"gemv short x", func(i blas.Float32) { i.Sgemv(N, 4, 5, 1, s(20), 5, s(4), 1, 0, s(4), 1) }},
		{"gemv short y trans", func(i blas.Float32) { i.Sgemv(T, 4, 5, 1, s(20), 5, s(4), 1, 0, s(4), 1) }},
		{"gemv short a", func(i blas.Float32) { i.Sgemv(N, 4, 4, 1, s(15), 4, s(4), 1, 0, s(4), 1) }},
		{"gemv strided x short", func(i blas.Float32) { i.Sgemv(N, 4, 4, 1, s(16), 4, s(6), -2, 0, s(4), 1) }},
		{"ger m<0", func(i blas.Float32) { i.Sger(-1, 4, 1, s(4), 1, s(4), 1, s(16), 4) }},
		{"ger lda<n", func(i blas.Float32) { i.Sger(4, 4, 1, s(4), 1, s(4), 1, s(16), 3) }},
		{"ger short x", func(i blas.Float32) { i.Sger(4, 4, 1, s(3), 1, s(4), 1, s(16), 4) }},
		{"ger short y", func(i blas.Float32) { i.Sger(4, 4, 1, s(4), 1, s(6), 2, s(16), 4) }},
		{"ger short a", func(i blas.Float32) { i.Sger(4, 4, 1, s(4), 1, s(4), 1, s(15), 4) }},
	}
	for _, c := range cases {
		want := panicMessage(func() { c.call(g) })
		got := panicMessage(func() { c.call(o) })
		if want == "" {
			t.Fatalf("%s: gonum did not panic; the case is wrong", c.name)
		}
		if got != want {
			t.Errorf("%s: panic %q, gonum panics %q", c.name, got, want)
		}
	}
	// float64 routines share the checks; spot-check one of each.
	d := func(n int) []float64 { return make([]float64, n) }
	for _, c := range []struct {
		name string
		call func(blas.Float64)
	}{
		{"dgemm short a", func(i blas.Float64) { i.Dgemm(N, N, 4, 4, 4, 1, d(15), 4, d(16), 4, 0, d(16), 4) }},
		{"dgemv short y", func(i blas.Float64) { i.Dgemv(N, 4, 4, 1, d(16), 4, d(4), 1, 0, d(3), 1) }},
		{"dger lda<n", func(i blas.Float64) { i.Dger(4, 4, 1, d(4), 1, d(4), 1, d(16), 3) }},
	} {
		want := panicMessage(func() { c.call(g) })
		got := panicMessage(func() { c.call(o) })
		if want == "" || got != want {
			t.Errorf("%s: panic %q, gonum panics %q", c.name, got, want)
		}
	}
}

func TestFitsInt32(t *testing.T) {
	for _, c := range []struct {
		vs   []int
		want bool
	}{
		{[]int{0, 1, math.MaxInt32}, true},
		{[]int{-4, math.MinInt32}, true},
		{[]int{1, math.MaxInt32 + 1}, false},
		{[]int{math.MinInt32 - 1}, false},
	} {
		if got := fitsInt32(c.vs...); got != c.want {
			t.Errorf("fitsInt32(%v) = %v, want %v", c.vs, got, c.want)
		}
	}
}

// TestDefaultThresholds runs the checks with the size thresholds in place, so small problems
// take the gonum path inside the OpenBLAS implementation (negative-increment ger included).
func TestDefaultThresholds(t *testing.T) {
	o := requireOpenBLAS(t)
	testGemm[float32](t, o.Sgemm, gonum.Implementation{}.Sgemm)
	testGemv[float64](t, o.Dgemv, gonum.Implementation{}.Dgemv)
	testGer[float32](t, o.Sger)
}
