package rnn

import (
	"fmt"
	"hash"
	"runtime"

	"github.com/chewxy/hm"
	gblas "gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/internal/blas"
)

// affineOp computes C = A·B (+ b on every row) for A [m, k], B [k, n] and
// b [n], with one BLAS call (internal/blas, so OpenBLAS when it is in use).
// The model's input drive (X·W_in_eff + b_rec) and readout (R·W_out_eff +
// b_out) are affine ops: gorgonia's Mul and its gradient spend several
// times the BLAS work on these skinny shapes (In and Out are a few
// channels) in transposed copies and generic elementwise passes.
type affineOp struct {
	m, n, k int
	bias    bool     // a third input b [n]
	diffA   bool     // whether A needs a gradient (false for the input leaf X)
	buf     *rateBuf // non-nil: the output is kept between runs (the input drive, consumed within the run)
}

func (op affineOp) Arity() int {
	if op.bias {
		return 3
	}
	return 2
}

func (op affineOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	if op.bias {
		return hm.NewFnType(m, m, G.TensorType{Dims: 1, Of: a}, m)
	}
	return hm.NewFnType(m, m, m)
}

func (op affineOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.m, op.n}, nil
}

func (op affineOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != op.Arity() {
		return nil, fmt.Errorf("%v: %d inputs, want %d", op, len(vals), op.Arity())
	}
	var ds [3]*tensor.Dense
	for i, v := range vals {
		d, err := rateDense(v)
		if err != nil {
			return nil, fmt.Errorf("%v: input %d: %w", op, i, err)
		}
		ds[i] = d
	}
	if ds[0].DataSize() != op.m*op.k || ds[1].DataSize() != op.k*op.n {
		return nil, fmt.Errorf("%v: inputs of %d and %d values, want %d×%d and %d×%d", op, ds[0].DataSize(), ds[1].DataSize(), op.m, op.k, op.k, op.n)
	}
	out := op.buf.get(ds[0].Dtype(), op.m, op.n)
	switch a := ds[0].Data().(type) {
	case []float32:
		var b []float32
		if op.bias {
			b = ds[2].Data().([]float32)
		}
		affineProduct(false, false, op.m, op.n, op.k, a, ds[1].Data().([]float32), b, out.Data().([]float32))
	case []float64:
		var b []float64
		if op.bias {
			b = ds[2].Data().([]float64)
		}
		affineProduct(false, false, op.m, op.n, op.k, a, ds[1].Data().([]float64), b, out.Data().([]float64))
	default:
		return nil, fmt.Errorf("%v: dtype %v", op, ds[0].Dtype())
	}
	return out, nil
}

func (op affineOp) ReturnsPtr() bool     { return false }
func (op affineOp) CallsExtern() bool    { return false }
func (op affineOp) OverwritesInput() int { return -1 }
func (op affineOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "dale.affine(m=%d, n=%d, k=%d, bias=%t, diffA=%t)", op.m, op.n, op.k, op.bias, op.diffA)
}
func (op affineOp) Hashcode() uint32 { return rateHash(op.WriteHash) }
func (op affineOp) String() string {
	return fmt.Sprintf("affine[%d×%d·%d×%d]", op.m, op.k, op.k, op.n)
}

func (op affineOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	for i := range d {
		d[i] = i > 0 || op.diffA
	}
	return d
}

// SymDiff: dA = dC·Bᵀ, dB = Aᵀ·dC, db = column sums of dC.
func (op affineOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	out := make(G.Nodes, len(inputs))
	var err error
	if op.diffA {
		if out[0], err = G.ApplyOp(affineGemmOp{tB: true, m: op.m, n: op.k, k: op.n, buf: &rateBuf{}}, grad, inputs[1]); err != nil {
			return nil, err
		}
	}
	if out[1], err = G.ApplyOp(affineGemmOp{tA: true, m: op.k, n: op.n, k: op.m}, inputs[0], grad); err != nil {
		return nil, err
	}
	if op.bias {
		if out[2], err = G.ApplyOp(biasSumOp{m: op.m, k: op.n}, grad); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// affineGemmOp computes C [m, n] = op(A)·op(B), A stored [m, k] (or [k, m]
// when tA), B stored [k, n] (or [n, k] when tB): the products of affineOp's
// gradient, with the transposes left to BLAS.
type affineGemmOp struct {
	tA, tB  bool
	m, n, k int
	buf     *rateBuf // non-nil: output kept between runs (the activity gradient dA)
}

func (op affineGemmOp) Arity() int { return 2 }
func (op affineGemmOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m)
}
func (op affineGemmOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.m, op.n}, nil
}

func (op affineGemmOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := opInputs(op, vals)
	if err != nil {
		return nil, err
	}
	a, b := in[0], in[1]
	if a.DataSize() != op.m*op.k || b.DataSize() != op.k*op.n {
		return nil, fmt.Errorf("%v: inputs of %d and %d values, want %d and %d", op, a.DataSize(), b.DataSize(), op.m*op.k, op.k*op.n)
	}
	out := op.buf.get(a.Dtype(), op.m, op.n)
	switch ad := a.Data().(type) {
	case []float32:
		affineProduct(op.tA, op.tB, op.m, op.n, op.k, ad, b.Data().([]float32), nil, out.Data().([]float32))
	case []float64:
		affineProduct(op.tA, op.tB, op.m, op.n, op.k, ad, b.Data().([]float64), nil, out.Data().([]float64))
	default:
		return nil, fmt.Errorf("%v: dtype %v", op, a.Dtype())
	}
	return out, nil
}

func (op affineGemmOp) ReturnsPtr() bool     { return false }
func (op affineGemmOp) CallsExtern() bool    { return false }
func (op affineGemmOp) OverwritesInput() int { return -1 }
func (op affineGemmOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "dale.affineGemm(tA=%t, tB=%t, m=%d, n=%d, k=%d)", op.tA, op.tB, op.m, op.n, op.k)
}
func (op affineGemmOp) Hashcode() uint32 { return rateHash(op.WriteHash) }
func (op affineGemmOp) String() string {
	return fmt.Sprintf("affineGemm[tA=%t tB=%t %d×%d×%d]", op.tA, op.tB, op.m, op.n, op.k)
}
func (op affineGemmOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }
func (op affineGemmOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%v: second derivatives are not supported", op)
}

// affineSmall is the largest "skinny" size (input or readout channels) that
// the pure-Go path handles row by row with level-1 BLAS (gonum's assembly
// axpy and dot) instead of gonum's Sgemm, which is slow on such shapes
// (several ms per product at config R).
const affineSmall = 16

// affineChunk is the fixed number of rows summed per partial result when a
// product reduces over the rows (the gradients of the weights): partials
// are added in chunk order, so the result does not depend on GOMAXPROCS.
const affineChunk = 256

// affineProduct computes C = op(A)·op(B) (+ bias on every row when bias is
// non-nil) for C [m, n]; A is stored [m, k] ([k, m] when tA), B [k, n]
// ([n, k] when tB). OpenBLAS, and pure Go on shapes that are not skinny,
// get one gemm; pure Go on skinny shapes goes row by row.
func affineProduct[T rateFloat](tA, tB bool, m, n, k int, a, b, bias, c []T) {
	l1 := affineLevel1[T]()
	c = c[:m*n]
	if blas.Name() == blas.Go {
		switch {
		case !tA && k <= affineSmall:
			// c[r,:] = bias + Σ_l a[r,l]·B[l,:]
			bb := b
			if tB {
				bb = affineTranspose(b, n, k) // [k, n]
			}
			affineRows(m, m*n*k, func(r0, r1 int) {
				for r := r0; r < r1; r++ {
					cr := c[r*n : (r+1)*n]
					if bias != nil {
						copy(cr, bias)
					} else {
						clear(cr)
					}
					for l := 0; l < k; l++ {
						l1.axpy(n, a[r*k+l], bb[l*n:(l+1)*n], cr)
					}
				}
			})
			return
		case !tA && !tB && n <= affineSmall:
			// c[r,o] = bias[o] + a[r,:]·B[:,o]
			bt := affineTranspose(b, k, n) // [n, k]
			affineRows(m, m*n*k, func(r0, r1 int) {
				for r := r0; r < r1; r++ {
					ar := a[r*k : (r+1)*k]
					for o := 0; o < n; o++ {
						v := l1.dot(k, ar, bt[o*k:(o+1)*k])
						if bias != nil {
							v += bias[o]
						}
						c[r*n+o] = v
					}
				}
			})
			return
		case tA && !tB && bias == nil && (m <= affineSmall || n <= affineSmall):
			// C = Aᵀ·B with A [k, m], B [k, n]: a sum over the k rows.
			affineReduceRows(m, n, k, a, b, c, l1)
			return
		}
	}
	tAB, lda := gblas.NoTrans, k
	if tA {
		tAB, lda = gblas.Trans, m
	}
	tBB, ldb := gblas.NoTrans, n
	if tB {
		tBB, ldb = gblas.Trans, k
	}
	var beta T
	if bias != nil {
		for r := 0; r < m; r++ {
			copy(c[r*n:(r+1)*n], bias)
		}
		beta = 1
	}
	l1.gemm(tAB, tBB, m, n, k, a, lda, b, ldb, beta, c, n)
}

// affineReduceRows computes C [m, n] = Aᵀ·B for A [k, m] and B [k, n] when
// m or n is small: each chunk of affineChunk rows adds its outer products
// into a partial (along the longer of m and n, with axpy), the chunks run
// in parallel, and the partials are added in chunk order.
func affineReduceRows[T rateFloat](m, n, k int, a, b, c []T, l1 affineL1[T]) {
	nch := (k + affineChunk - 1) / affineChunk
	parts := make([][]T, nch)
	byRowOfB := m <= n // partial[i,:] += a[r,i]·b[r,:] (length n); else partial[j,:] += b[r,j]·a[r,:] (length m)
	affineRows(nch, m*n*k, func(c0, c1 int) {
		for ch := c0; ch < c1; ch++ {
			p := make([]T, m*n)
			for r := ch * affineChunk; r < min((ch+1)*affineChunk, k); r++ {
				if byRowOfB {
					br := b[r*n : (r+1)*n]
					for i := 0; i < m; i++ {
						l1.axpy(n, a[r*m+i], br, p[i*n:(i+1)*n])
					}
				} else {
					ar := a[r*m : (r+1)*m]
					for j := 0; j < n; j++ {
						l1.axpy(m, b[r*n+j], ar, p[j*m:(j+1)*m]) // transposed partial [n, m]
					}
				}
			}
			parts[ch] = p
		}
	})
	clear(c)
	for _, p := range parts {
		if byRowOfB {
			for i, v := range p {
				c[i] += v
			}
		} else {
			for j := 0; j < n; j++ {
				for i := 0; i < m; i++ {
					c[i*n+j] += p[j*m+i]
				}
			}
		}
	}
}

// affineTranspose returns the [cols, rows] transpose of x [rows, cols].
func affineTranspose[T rateFloat](x []T, rows, cols int) []T {
	t := make([]T, rows*cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			t[j*rows+i] = x[i*cols+j]
		}
	}
	return t
}

// affineRows calls f on [lo, hi) chunks of [0, n) concurrently when the
// work (multiply-adds) is large enough to pay for goroutines. Each index is
// computed the same way whatever the split.
func affineRows(n, work int, f func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if work < 1<<18 || w < 2 || n < 2 {
		f(0, n)
		return
	}
	splitRanges(n, min(w, n), f)
}

// affineL1 is the level-1 and gemm routines of one element type, from
// internal/blas.
type affineL1[T rateFloat] struct {
	axpy func(n int, alpha T, x, y []T)
	dot  func(n int, x, y []T) T
	gemm func(tA, tB gblas.Transpose, m, n, k int, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)
}

func affineLevel1[T rateFloat]() affineL1[T] {
	var z T
	switch any(z).(type) {
	case float32:
		f := blas.Float32()
		return any(affineL1[float32]{
			axpy: func(n int, alpha float32, x, y []float32) { f.Saxpy(n, alpha, x, 1, y, 1) },
			dot:  func(n int, x, y []float32) float32 { return f.Sdot(n, x, 1, y, 1) },
			gemm: func(tA, tB gblas.Transpose, m, n, k int, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
				f.Sgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
			},
		}).(affineL1[T])
	default:
		f := blas.Float64()
		return any(affineL1[float64]{
			axpy: func(n int, alpha float64, x, y []float64) { f.Daxpy(n, alpha, x, 1, y, 1) },
			dot:  func(n int, x, y []float64) float64 { return f.Ddot(n, x, 1, y, 1) },
			gemm: func(tA, tB gblas.Transpose, m, n, k int, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
				f.Dgemm(tA, tB, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
			},
		}).(affineL1[T])
	}
}
