package rnn

import (
	"fmt"
	"hash"
	"sync/atomic"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// fusedRecurrence builds the same recurrence as unrolledRecurrence as one gorgonia op for the
// whole time loop (fusedForwardOp), differentiated by a hand-written backward-through-time op
// (fusedBackwardOp) whose packed result is taken apart by fusedUnpackOps. It returns V [B,T,N].
//
// Products: with OpenBLAS in use (internal/blas) every product goes to it; with the pure-Go BLAS
// the float32 products run on the package's AVX2/AVX-512 kernels where the CPU has them, else on
// gonum. float64 always uses internal/blas. When each product runs in the calling thread (the
// assembly kernels, or OpenBLAS on one thread, internal/blas's default) the batch is split among
// GOMAXPROCS goroutines for the whole time loop, with no synchronisation per step, and each
// computes its share of the weight gradient over its own rows (the shares are added in a fixed
// order); otherwise (a multi-threaded OpenBLAS, gonum's float64) there is one part and the
// backward computes the weight gradient as one product over all B·T rows.
//
// Only gorgonia's TapeMachine is supported (the ops are differentiated symbolically; there is no
// DoDiff for the LispMachine). Each op owns its output buffer and reuses it from run to run, so a
// value read from the graph after a run must be copied (G.Read does) before the next run. A
// graph holding a fused recurrence must not be run by two machines at the same time.
func fusedRecurrence(act Activation, I, W, alpha, h0, xi, eta *G.Node) (*G.Node, error) {
	return fusedRecurrenceWith(act, I, W, alpha, h0, xi, eta, true)
}

// fusedRecurrenceWith is fusedRecurrence; alphaGrad false says that alpha is fixed (not
// trained): the op is then not differentiable with respect to alpha and its backward skips the
// work of dL/dα, which reads the inputs I and the potentials v_{s−1} once more (about a tenth of
// the backward at config R). Every other value and gradient is the same, bit for bit.
func fusedRecurrenceWith(act Activation, I, W, alpha, h0, xi, eta *G.Node, alphaGrad bool) (*G.Node, error) {
	d, err := recurrenceCheck(act, I, W, alpha, h0, xi, eta)
	if err != nil {
		return nil, err
	}
	children := G.Nodes{I, W, alpha, h0}
	if xi != nil {
		children = append(children, xi)
	}
	if eta != nil {
		children = append(children, eta)
	}
	var op G.Op
	meta := fusedMeta{id: fusedNextID.Add(1), act: act, B: d.B, T: d.T, N: d.N, dtype: d.dtype,
		hasXi: xi != nil, hasEta: eta != nil, noAlphaGrad: !alphaGrad}
	if d.dtype == tensor.Float32 {
		op = &fusedForwardOp[float32]{fusedMeta: meta, st: &fusedState[float32]{kind: act.kind(), B: d.B, T: d.T, N: d.N, noAlphaGrad: !alphaGrad}}
	} else {
		op = &fusedForwardOp[float64]{fusedMeta: meta, st: &fusedState[float64]{kind: act.kind(), B: d.B, T: d.T, N: d.N, noAlphaGrad: !alphaGrad}}
	}
	out, err := G.ApplyOp(op, children...)
	if err != nil {
		return nil, fmt.Errorf("fused recurrence: %w", err)
	}
	return out, nil
}

// fusedNextID numbers fused ops so that no two are ever merged by gorgonia's node hashing: each
// owns state.
var fusedNextID atomic.Uint64

// fusedMeta is what distinguishes one fused recurrence from another; all of it goes into hashes.
type fusedMeta struct {
	id            uint64
	act           Activation
	B, T, N       int
	dtype         tensor.Dtype
	hasXi, hasEta bool
	noAlphaGrad   bool // alpha is fixed: no dL/dα
}

func (m fusedMeta) writeHash(h hash.Hash, what string) {
	fmt.Fprintf(h, "dale.%s(id=%d,act=%s,B=%d,T=%d,N=%d,dtype=%v,xi=%t,eta=%t,alphaGrad=%t)",
		what, m.id, m.act, m.B, m.T, m.N, m.dtype, m.hasXi, m.hasEta, !m.noAlphaGrad)
}

func (m fusedMeta) arity() int {
	n := 4
	if m.hasXi {
		n++
	}
	if m.hasEta {
		n++
	}
	return n
}

func (m fusedMeta) packedLen() int { return m.B*m.T*m.N + m.N*m.N + 2*m.N }

// fusedSlices returns the []T backing of each value, checking its length.
func fusedSlices[T fusedFloat](name string, vals []G.Value, lens []int) ([][]T, error) {
	out := make([][]T, len(vals))
	for i, v := range vals {
		d, err := opsDense(v)
		if err != nil {
			return nil, fmt.Errorf("%s: input %d: %w", name, i, err)
		}
		x, ok := d.Data().([]T)
		if !ok {
			return nil, fmt.Errorf("%s: input %d has data %T: want %T", name, i, d.Data(), x)
		}
		if len(x) != lens[i] {
			return nil, fmt.Errorf("%s: input %d has %d elements: want %d", name, i, len(x), lens[i])
		}
		out[i] = x
	}
	return out, nil
}

// fusedForwardOp runs the whole recurrence: inputs I, W, alpha, h0[, xi][, eta] → V [B,T,N].
type fusedForwardOp[T fusedFloat] struct {
	fusedMeta
	st  *fusedState[T]
	out *tensor.Dense // V, reused across runs
}

func (op *fusedForwardOp[T]) Arity() int { return op.arity() }
func (op *fusedForwardOp[T]) Type() hm.Type {
	ts := []hm.Type{opsTensorType(3), opsTensorType(2), opsTensorType(1), opsTensorType(1)}
	for i := 4; i < op.arity(); i++ {
		ts = append(ts, opsTensorType(3))
	}
	return hm.NewFnType(append(ts, opsTensorType(3))...)
}
func (op *fusedForwardOp[T]) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.arity() {
		return nil, fmt.Errorf("%v: want %d inputs, got %d", op, op.arity(), len(ds))
	}
	return tensor.Shape{op.B, op.T, op.N}, nil
}

func (op *fusedForwardOp[T]) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != op.arity() {
		return nil, fmt.Errorf("%v: want %d inputs, got %d", op, op.arity(), len(vals))
	}
	btn := op.B * op.T * op.N
	lens := []int{btn, op.N * op.N, op.N, op.N, btn, btn}
	x, err := fusedSlices[T](op.String(), vals, lens[:len(vals)])
	if err != nil {
		return nil, err
	}
	var xi, eta []T
	k := 4
	if op.hasXi {
		xi = x[k]
		k++
	}
	if op.hasEta {
		eta = x[k]
	}
	if op.out == nil {
		op.out = tensor.New(tensor.WithShape(op.B, op.T, op.N), tensor.Of(op.dtype))
	}
	op.st.forward(op.out.Data().([]T), x[0], x[1], x[2], x[3], xi, eta)
	return op.out, nil
}

func (op *fusedForwardOp[T]) ReturnsPtr() bool      { return false }
func (op *fusedForwardOp[T]) CallsExtern() bool     { return false }
func (op *fusedForwardOp[T]) OverwritesInput() int  { return -1 }
func (op *fusedForwardOp[T]) WriteHash(h hash.Hash) { op.writeHash(h, "fusedRecurrence") }
func (op *fusedForwardOp[T]) Hashcode() uint32      { return opsHash(op.WriteHash) }
func (op *fusedForwardOp[T]) String() string {
	return fmt.Sprintf("fusedRecurrence#%d(%s)", op.id, op.act)
}

// DiffWRT: I, W, alpha (unless fixed) and h0 are differentiable; the noise inputs are not.
func (op *fusedForwardOp[T]) DiffWRT(inputs int) []bool {
	r := make([]bool, inputs)
	for i := 0; i < inputs && i < 4; i++ {
		r[i] = i != 2 || !op.noAlphaGrad
	}
	return r
}

func (op *fusedForwardOp[T]) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.arity() {
		return nil, fmt.Errorf("%v: want %d inputs, got %d", op, op.arity(), len(inputs))
	}
	bw := &fusedBackwardOp[T]{fusedMeta: op.fusedMeta, st: op.st}
	packed, err := G.ApplyOp(bw, inputs[0], inputs[1], inputs[2], inputs[3], output, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: backward: %w", op, err)
	}
	btn, nn := op.B*op.T*op.N, op.N*op.N
	parts := []struct {
		off   int
		shape tensor.Shape
	}{
		{0, tensor.Shape{op.B, op.T, op.N}},
		{btn, tensor.Shape{op.N, op.N}},
		{btn + nn, tensor.Shape{op.N}},
		{btn + nn + op.N, tensor.Shape{op.N}},
	}
	r := make(G.Nodes, len(inputs))
	for i, p := range parts {
		if i == 2 && op.noAlphaGrad {
			continue // alpha is fixed; the packed dα is zero
		}
		u := &fusedUnpackOp{id: op.id, off: p.off, shape: p.shape, dtype: op.dtype}
		if r[i], err = G.ApplyOp(u, packed); err != nil {
			return nil, fmt.Errorf("%v: unpack gradient %d: %w", op, i, err)
		}
	}
	return r, nil
}

// fusedBackwardOp is the fused recurrence's backward through time: inputs I, W, alpha, h0, V and
// dL/dV → one vector packing dI [B,T,N], dW [N,N], dalpha [N], dh0 [N] in that order. It reads
// the rates and derivatives its forward op saved.
type fusedBackwardOp[T fusedFloat] struct {
	fusedMeta
	st  *fusedState[T]
	out *tensor.Dense // packed gradients, reused across runs
}

func (op *fusedBackwardOp[T]) Arity() int { return 6 }
func (op *fusedBackwardOp[T]) Type() hm.Type {
	return hm.NewFnType(opsTensorType(3), opsTensorType(2), opsTensorType(1), opsTensorType(1),
		opsTensorType(3), opsTensorType(3), opsTensorType(1))
}
func (op *fusedBackwardOp[T]) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 6 {
		return nil, fmt.Errorf("%v: want 6 inputs, got %d", op, len(ds))
	}
	return tensor.Shape{op.packedLen()}, nil
}

func (op *fusedBackwardOp[T]) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != 6 {
		return nil, fmt.Errorf("%v: want 6 inputs, got %d", op, len(vals))
	}
	btn, nn := op.B*op.T*op.N, op.N*op.N
	x, err := fusedSlices[T](op.String(), vals, []int{btn, nn, op.N, op.N, btn, btn})
	if err != nil {
		return nil, err
	}
	if op.st.rprev == nil {
		return nil, fmt.Errorf("%v: the forward op has not run", op)
	}
	if op.out == nil {
		op.out = tensor.New(tensor.WithShape(op.packedLen()), tensor.Of(op.dtype))
	}
	p := op.out.Data().([]T)
	op.st.backward(p[:btn], p[btn:btn+nn], p[btn+nn:btn+nn+op.N], p[btn+nn+op.N:],
		x[0], x[1], x[2], x[3], x[4], x[5])
	return op.out, nil
}

func (op *fusedBackwardOp[T]) ReturnsPtr() bool      { return false }
func (op *fusedBackwardOp[T]) CallsExtern() bool     { return false }
func (op *fusedBackwardOp[T]) OverwritesInput() int  { return -1 }
func (op *fusedBackwardOp[T]) WriteHash(h hash.Hash) { op.writeHash(h, "fusedRecurrenceBackward") }
func (op *fusedBackwardOp[T]) Hashcode() uint32      { return opsHash(op.WriteHash) }
func (op *fusedBackwardOp[T]) String() string {
	return fmt.Sprintf("fusedRecurrenceBackward#%d(%s)", op.id, op.act)
}
func (op *fusedBackwardOp[T]) DiffWRT(inputs int) []bool { return make([]bool, inputs) }
func (op *fusedBackwardOp[T]) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%v: second derivatives of the fused recurrence are not supported", op)
}

// fusedUnpackOp returns elements [off, off+prod(shape)) of a packed gradient vector as a tensor of
// the given shape, sharing the vector's memory.
type fusedUnpackOp struct {
	id    uint64 // the fused recurrence the vector comes from
	off   int
	shape tensor.Shape
	dtype tensor.Dtype
}

func (op *fusedUnpackOp) Arity() int { return 1 }
func (op *fusedUnpackOp) Type() hm.Type {
	return hm.NewFnType(opsTensorType(1), opsTensorType(len(op.shape)))
}
func (op *fusedUnpackOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(ds))
	}
	return op.shape.Clone(), nil
}

func (op *fusedUnpackOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(vals))
	}
	d, err := opsDense(vals[0])
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	n := op.shape.TotalSize()
	if d.Len() < op.off+n {
		return nil, fmt.Errorf("%v: input has %d elements: want at least %d", op, d.Len(), op.off+n)
	}
	var backing any
	switch x := d.Data().(type) {
	case []float32:
		backing = x[op.off : op.off+n]
	case []float64:
		backing = x[op.off : op.off+n]
	default:
		return nil, fmt.Errorf("%v: input has data %T: want []float32 or []float64", op, d.Data())
	}
	return tensor.New(tensor.WithShape(op.shape...), tensor.WithBacking(backing)), nil
}

func (op *fusedUnpackOp) ReturnsPtr() bool     { return true }
func (op *fusedUnpackOp) CallsExtern() bool    { return false }
func (op *fusedUnpackOp) OverwritesInput() int { return -1 }
func (op *fusedUnpackOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "dale.fusedUnpack(id=%d,off=%d,shape=%v,dtype=%v)", op.id, op.off, []int(op.shape), op.dtype)
}
func (op *fusedUnpackOp) Hashcode() uint32 { return opsHash(op.WriteHash) }
func (op *fusedUnpackOp) String() string {
	return fmt.Sprintf("fusedUnpack#%d[%d:+%v]", op.id, op.off, op.shape)
}
func (op *fusedUnpackOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }
func (op *fusedUnpackOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%v: not differentiable", op)
}
