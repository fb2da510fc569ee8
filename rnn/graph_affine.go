package rnn

import (
	"fmt"
	"hash"

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
	bias    bool // a third input b [n]
	diffA   bool // whether A needs a gradient (false for the input leaf X)
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
	out := tensor.New(tensor.Of(ds[0].Dtype()), tensor.WithShape(op.m, op.n))
	switch a := ds[0].Data().(type) {
	case []float32:
		c := out.Data().([]float32)
		beta := float32(0)
		if op.bias {
			b := ds[2].Data().([]float32)
			for r := 0; r < op.m; r++ {
				copy(c[r*op.n:(r+1)*op.n], b)
			}
			beta = 1
		}
		blas.Float32().Sgemm(gblas.NoTrans, gblas.NoTrans, op.m, op.n, op.k, 1, a, op.k, ds[1].Data().([]float32), op.n, beta, c, op.n)
	case []float64:
		c := out.Data().([]float64)
		beta := 0.0
		if op.bias {
			b := ds[2].Data().([]float64)
			for r := 0; r < op.m; r++ {
				copy(c[r*op.n:(r+1)*op.n], b)
			}
			beta = 1
		}
		blas.Float64().Dgemm(gblas.NoTrans, gblas.NoTrans, op.m, op.n, op.k, 1, a, op.k, ds[1].Data().([]float64), op.n, beta, c, op.n)
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
		if out[0], err = G.ApplyOp(affineGemmOp{tB: true, m: op.m, n: op.k, k: op.n}, grad, inputs[1]); err != nil {
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
	if len(vals) != 2 {
		return nil, fmt.Errorf("%v: %d inputs, want 2", op, len(vals))
	}
	a, err := rateDense(vals[0])
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	b, err := rateDense(vals[1])
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	if a.DataSize() != op.m*op.k || b.DataSize() != op.k*op.n {
		return nil, fmt.Errorf("%v: inputs of %d and %d values, want %d and %d", op, a.DataSize(), b.DataSize(), op.m*op.k, op.k*op.n)
	}
	tA, lda := gblas.NoTrans, op.k
	if op.tA {
		tA, lda = gblas.Trans, op.m
	}
	tB, ldb := gblas.NoTrans, op.n
	if op.tB {
		tB, ldb = gblas.Trans, op.k
	}
	out := tensor.New(tensor.Of(a.Dtype()), tensor.WithShape(op.m, op.n))
	switch ad := a.Data().(type) {
	case []float32:
		blas.Float32().Sgemm(tA, tB, op.m, op.n, op.k, 1, ad, lda, b.Data().([]float32), ldb, 0, out.Data().([]float32), op.n)
	case []float64:
		blas.Float64().Dgemm(tA, tB, op.m, op.n, op.k, 1, ad, lda, b.Data().([]float64), ldb, 0, out.Data().([]float64), op.n)
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
