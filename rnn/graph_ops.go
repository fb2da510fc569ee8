package rnn

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"
	"runtime"
	"sync"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// This file holds the model's own small gorgonia ops: the firing rates
// R = f(V) + η (one pass over memory forward and one backward; built from
// gorgonia's generic elementwise ops they take several passes — a
// comparison, a product, clones — over the [B·T, N] activity) and the
// column sums that are the gradient of a bias (see graph_affine.go).

// rateF and rateDF are f and f' in float64 for the rates ops: actF and actDF (activation.go),
// except that sigmoid and softplus take their overflow-free forms without cut-offs
// (sigmoidStable, softplusStable). Relu goes through rateReLU and rateReLUGrad instead.
func rateF(k actKind, v float64) float64 {
	switch k {
	case actSigmoid:
		return sigmoidStable(v)
	case actSoftplus:
		return softplusStable(v)
	}
	return actF(k, v)
}

func rateDF(k actKind, v float64) float64 {
	switch k {
	case actSigmoid:
		return sigmoidDT(sigmoidStable(v))
	case actSoftplus:
		return sigmoidStable(v)
	}
	return actDF(k, v)
}

// rateFloat is the element type of the ops.
type rateFloat interface{ ~float32 | ~float64 }

// rateParallelMin is the size from which the elementwise rate ops split
// their work over GOMAXPROCS goroutines (the tape machine runs one op at a
// time, so the other cores are idle). Elementwise work gives the same bits
// however it is split.
const rateParallelMin = 1 << 16

// rateParallel calls f on [lo, hi) chunks of [0, n) concurrently.
func rateParallel(n int, f func(lo, hi int)) {
	w := runtime.GOMAXPROCS(0)
	if n < rateParallelMin || w < 2 {
		f(0, n)
		return
	}
	splitRanges(n, min(w, n/(rateParallelMin/4)), f)
}

// splitRanges cuts [0, n) into at most parts equal chunks and calls f on
// each in its own goroutine, returning when all are done.
func splitRanges(n, parts int, f func(lo, hi int)) {
	if parts < 2 || n < 2 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + parts - 1) / parts
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(lo, hi)
		}()
	}
	wg.Wait()
}

// rateApplyPar and rateBackwardPar are rateApply and rateBackward spread
// over the cores.
func rateApplyPar[T rateFloat](a Activation, v, eta, r []T) {
	rateParallel(len(v), func(lo, hi int) {
		var e []T
		if eta != nil {
			e = eta[lo:hi]
		}
		rateApply(a, v[lo:hi], e, r[lo:hi])
	})
}

func rateBackwardPar[T rateFloat](a Activation, v, dr, dv []T) {
	rateParallel(len(v), func(lo, hi int) { rateBackward(a, v[lo:hi], dr[lo:hi], dv[lo:hi]) })
}

// rateApply writes r = f(v) (+ eta when eta is non-nil).
func rateApply[T rateFloat](a Activation, v, eta, r []T) {
	r = r[:len(v)]
	if a == ReLU {
		rateReLU(v, r)
	} else {
		k := a.kind()
		for i, x := range v {
			r[i] = T(rateF(k, float64(x)))
		}
	}
	if eta != nil {
		eta = eta[:len(r)]
		for i, e := range eta {
			r[i] += e
		}
	}
}

// rateBackward writes dv = dr ⊙ f'(v).
func rateBackward[T rateFloat](a Activation, v, dr, dv []T) {
	dr, dv = dr[:len(v)], dv[:len(v)]
	if a == ReLU {
		rateReLUGrad(v, dr, dv)
		return
	}
	k := a.kind()
	for i, x := range v {
		dv[i] = dr[i] * T(rateDF(k, float64(x)))
	}
}

// rateReLU writes r = max(v, 0) and rateReLUGrad dv = dr where v > 0, else 0, without branches
// (reluKeep32, reluKeep64).
func rateReLU[T rateFloat](v, r []T) {
	switch vv := any(v).(type) {
	case []float32:
		rr := any(r).([]float32)
		for i, x := range vv {
			rr[i] = math.Float32frombits(math.Float32bits(x) & reluKeep32(x))
		}
	case []float64:
		rr := any(r).([]float64)
		for i, x := range vv {
			rr[i] = math.Float64frombits(math.Float64bits(x) & reluKeep64(x))
		}
	}
}

func rateReLUGrad[T rateFloat](v, dr, dv []T) {
	switch vv := any(v).(type) {
	case []float32:
		dd, oo := any(dr).([]float32), any(dv).([]float32)
		for i, x := range vv {
			oo[i] = math.Float32frombits(math.Float32bits(dd[i]) & reluKeep32(x))
		}
	case []float64:
		dd, oo := any(dr).([]float64), any(dv).([]float64)
		for i, x := range vv {
			oo[i] = math.Float64frombits(math.Float64bits(dd[i]) & reluKeep64(x))
		}
	}
}

// rateBuf keeps an op's output tensor from one run of the graph to the
// next, for large intermediate results that nothing outside the graph reads
// (the input drive and two activity gradients): allocating and zeroing
// them afresh cost several ms per step at config R. Only ops whose value is
// consumed within the run get one; a graph is run by one machine at a time.
type rateBuf struct{ t *tensor.Dense }

// get returns the kept tensor reshaped to shape, or a new one.
func (b *rateBuf) get(dt tensor.Dtype, shape ...int) *tensor.Dense {
	if b == nil {
		return tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	}
	size := 1
	for _, d := range shape {
		size *= d
	}
	if b.t != nil && b.t.Dtype() == dt && b.t.DataSize() == size && !b.t.IsView() {
		if err := b.t.Reshape(shape...); err == nil {
			return b.t
		}
	}
	b.t = tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	return b.t
}

// rateDense returns the dense, materialised tensor of a value.
func rateDense(v G.Value) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("want a *tensor.Dense, got %T", v)
	}
	if d.IsMaterializable() {
		d = d.Materialize().(*tensor.Dense)
	}
	return d, nil
}

// opInputs checks that op got its Arity() inputs and returns them as
// materialised dense tensors; errors name the op.
func opInputs(op G.Op, vals []G.Value) ([]*tensor.Dense, error) {
	if len(vals) != op.Arity() {
		return nil, fmt.Errorf("%v: %d inputs, want %d", op, len(vals), op.Arity())
	}
	ds := make([]*tensor.Dense, len(vals))
	for i, v := range vals {
		d, err := rateDense(v)
		if err != nil {
			return nil, fmt.Errorf("%v: %w", op, err)
		}
		ds[i] = d
	}
	return ds, nil
}

func rateHash(write func(h hash.Hash)) uint32 {
	h := fnv.New32a()
	write(h)
	return h.Sum32()
}

func rateType(dims, arity int) hm.Type {
	t := G.TensorType{Dims: dims, Of: hm.TypeVariable('a')}
	ts := make([]hm.Type, arity+1)
	for i := range ts {
		ts[i] = t
	}
	return hm.NewFnType(ts...)
}

// ratesOp computes R = f(V) (+ η): inputs V (and η), same shape.
type ratesOp struct {
	act   Activation
	noisy bool
	shape tensor.Shape
}

func (op ratesOp) Arity() int {
	if op.noisy {
		return 2
	}
	return 1
}
func (op ratesOp) Type() hm.Type { return rateType(op.shape.Dims(), op.Arity()) }
func (op ratesOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}
func (op ratesOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := opInputs(op, vals)
	if err != nil {
		return nil, err
	}
	v := in[0]
	out := tensor.New(tensor.Of(v.Dtype()), tensor.WithShape(op.shape...))
	var eta *tensor.Dense
	if op.noisy {
		eta = in[1]
	}
	switch vd := v.Data().(type) {
	case []float32:
		var e []float32
		if eta != nil {
			e = eta.Data().([]float32)
		}
		rateApplyPar(op.act, vd, e, out.Data().([]float32))
	case []float64:
		var e []float64
		if eta != nil {
			e = eta.Data().([]float64)
		}
		rateApplyPar(op.act, vd, e, out.Data().([]float64))
	default:
		return nil, fmt.Errorf("%v: dtype %v", op, v.Dtype())
	}
	return out, nil
}
func (op ratesOp) ReturnsPtr() bool     { return false }
func (op ratesOp) CallsExtern() bool    { return false }
func (op ratesOp) OverwritesInput() int { return -1 }
func (op ratesOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "dale.rates(%s, noisy=%t, %v)", op.act, op.noisy, op.shape)
}
func (op ratesOp) Hashcode() uint32 { return rateHash(op.WriteHash) }
func (op ratesOp) String() string   { return fmt.Sprintf("rates[%s]", op.act) }
func (op ratesOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	d[0] = true // the noise is data, not a parameter
	return d
}
func (op ratesOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dv, err := G.ApplyOp(ratesGradOp{act: op.act, shape: op.shape, buf: &rateBuf{}}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	out := G.Nodes{dv}
	if op.noisy {
		out = append(out, nil)
	}
	return out, nil
}

// ratesGradOp computes dV = dR ⊙ f'(V) from V and dR.
type ratesGradOp struct {
	act   Activation
	shape tensor.Shape
	buf   *rateBuf // output kept between runs (dV is consumed within the run)
}

func (op ratesGradOp) Arity() int    { return 2 }
func (op ratesGradOp) Type() hm.Type { return rateType(op.shape.Dims(), 2) }
func (op ratesGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}
func (op ratesGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := opInputs(op, vals)
	if err != nil {
		return nil, err
	}
	v, dr := in[0], in[1]
	out := op.buf.get(v.Dtype(), op.shape...)
	switch vd := v.Data().(type) {
	case []float32:
		rateBackwardPar(op.act, vd, dr.Data().([]float32), out.Data().([]float32))
	case []float64:
		rateBackwardPar(op.act, vd, dr.Data().([]float64), out.Data().([]float64))
	default:
		return nil, fmt.Errorf("%v: dtype %v", op, v.Dtype())
	}
	return out, nil
}
func (op ratesGradOp) ReturnsPtr() bool     { return false }
func (op ratesGradOp) CallsExtern() bool    { return false }
func (op ratesGradOp) OverwritesInput() int { return -1 }
func (op ratesGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "dale.ratesGrad(%s, %v)", op.act, op.shape)
}
func (op ratesGradOp) Hashcode() uint32 { return rateHash(op.WriteHash) }
func (op ratesGradOp) String() string   { return fmt.Sprintf("ratesGrad[%s]", op.act) }
func (op ratesGradOp) DiffWRT(inputs int) []bool {
	return make([]bool, inputs)
}
func (op ratesGradOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%v: second derivatives are not supported", op)
}

// biasSumOp sums X [M, K] over its rows into [K] (the gradient of the bias).
type biasSumOp struct{ m, k int }

func (op biasSumOp) Arity() int { return 1 }
func (op biasSumOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 1, Of: a})
}
func (op biasSumOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.k}, nil
}
func (op biasSumOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := opInputs(op, vals)
	if err != nil {
		return nil, err
	}
	x := in[0]
	out := tensor.New(tensor.Of(x.Dtype()), tensor.WithShape(op.k))
	switch xd := x.Data().(type) {
	case []float32:
		biasColSum(xd, out.Data().([]float32), op.k)
	case []float64:
		biasColSum(xd, out.Data().([]float64), op.k)
	default:
		return nil, fmt.Errorf("%v: dtype %v", op, x.Dtype())
	}
	return out, nil
}

func biasColSum[T rateFloat](x, out []T, k int) {
	// accumulate in float64 for accuracy over many rows
	acc := make([]float64, k)
	for r := 0; r+k <= len(x); r += k {
		for j, v := range x[r : r+k] {
			acc[j] += float64(v)
		}
	}
	for j := range out {
		out[j] = T(acc[j])
	}
}

func (op biasSumOp) ReturnsPtr() bool      { return false }
func (op biasSumOp) CallsExtern() bool     { return false }
func (op biasSumOp) OverwritesInput() int  { return -1 }
func (op biasSumOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "dale.biasSum(%d, %d)", op.m, op.k) }
func (op biasSumOp) Hashcode() uint32      { return rateHash(op.WriteHash) }
func (op biasSumOp) String() string        { return fmt.Sprintf("biasSum[%d×%d]", op.m, op.k) }
func (op biasSumOp) DiffWRT(inputs int) []bool {
	return make([]bool, inputs)
}
func (op biasSumOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%v: second derivatives are not supported", op)
}
