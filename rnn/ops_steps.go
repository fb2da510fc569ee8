package rnn

// Small gorgonia ops that move time steps in and out of batch-major [B,T,N] tensors. They exist
// because gorgonia's own Slice writes only the low byte of its offsets into its hash, so two slices
// 256 steps apart can be merged into one node (see the package's engine notes). Every op here
// writes each field that distinguishes it, in full, into its hash.

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opsDense returns v as a contiguous *tensor.Dense (materialising views).
func opsDense(v G.Value) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("expected a dense tensor, got %T", v)
	}
	if d.IsMaterializable() {
		m, ok := d.Materialize().(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("materialised view is not dense")
		}
		d = m
	}
	return d, nil
}

// opsHash returns the 32-bit FNV-1a hash of what write writes.
func opsHash(write func(h hash.Hash)) uint32 {
	h := fnv.New32a()
	write(h)
	return h.Sum32()
}

// opsTensorType is a d-dimensional tensor of the type variable a.
func opsTensorType(d int) hm.Type { return G.TensorType{Dims: d, Of: hm.TypeVariable('a')} }

// opsCopyRows copies, for each b < rows, n elements from src[b*srcStride+srcOff:] to
// dst[b*dstStride+dstOff:]. src and dst must be []float32 or []float64 of the same type.
func opsCopyRows(dst, src any, rows, n, dstStride, dstOff, srcStride, srcOff int) error {
	switch d := dst.(type) {
	case []float32:
		s, ok := src.([]float32)
		if !ok {
			return fmt.Errorf("dtype mismatch: %T and %T", dst, src)
		}
		for b := 0; b < rows; b++ {
			copy(d[b*dstStride+dstOff:b*dstStride+dstOff+n], s[b*srcStride+srcOff:b*srcStride+srcOff+n])
		}
	case []float64:
		s, ok := src.([]float64)
		if !ok {
			return fmt.Errorf("dtype mismatch: %T and %T", dst, src)
		}
		for b := 0; b < rows; b++ {
			copy(d[b*dstStride+dstOff:b*dstStride+dstOff+n], s[b*srcStride+srcOff:b*srcStride+srcOff+n])
		}
	default:
		return fmt.Errorf("unsupported data type %T: must be float32 or float64", dst)
	}
	return nil
}

// opsData returns the backing slice of a float32 or float64 dense tensor.
func opsData(d *tensor.Dense) (any, error) {
	switch d.Dtype() {
	case tensor.Float32:
		return d.Float32s(), nil
	case tensor.Float64:
		return d.Float64s(), nil
	}
	return nil, fmt.Errorf("unsupported dtype %v: must be float32 or float64", d.Dtype())
}

// stepRangeOp selects steps [from, to) of a [B, inT, N] tensor, giving [B, to−from, N], or [B, N]
// when squeeze is set (then to−from must be 1).
type stepRangeOp struct {
	from, to int
	inT      int
	squeeze  bool
}

func (op stepRangeOp) Arity() int { return 1 }
func (op stepRangeOp) Type() hm.Type {
	out := 3
	if op.squeeze {
		out = 2
	}
	return hm.NewFnType(opsTensorType(3), opsTensorType(out))
}

func (op stepRangeOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	if !ok || len(s) != 3 || s[1] != op.inT {
		return nil, fmt.Errorf("%v: input shape %v: want [B, %d, N]", op, ds[0], op.inT)
	}
	if op.squeeze {
		return tensor.Shape{s[0], s[2]}, nil
	}
	return tensor.Shape{s[0], op.to - op.from, s[2]}, nil
}

func (op stepRangeOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(vals))
	}
	in, err := opsDense(vals[0])
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	s := in.Shape()
	if len(s) != 3 || s[1] != op.inT {
		return nil, fmt.Errorf("%v: input shape %v: want [B, %d, N]", op, s, op.inT)
	}
	b, n, k := s[0], s[2], op.to-op.from
	shape := tensor.Shape{b, k, n}
	if op.squeeze {
		shape = tensor.Shape{b, n}
	}
	out := tensor.New(tensor.WithShape(shape...), tensor.Of(in.Dtype()))
	src, err := opsData(in)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	dst, _ := opsData(out)
	if err := opsCopyRows(dst, src, b, k*n, k*n, 0, op.inT*n, op.from*n); err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	return out, nil
}

func (op stepRangeOp) ReturnsPtr() bool     { return false }
func (op stepRangeOp) CallsExtern() bool    { return false }
func (op stepRangeOp) OverwritesInput() int { return -1 }
func (op stepRangeOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "dale.stepRange(from=%d,to=%d,inT=%d,squeeze=%t)", op.from, op.to, op.inT, op.squeeze)
}
func (op stepRangeOp) Hashcode() uint32 { return opsHash(op.WriteHash) }
func (op stepRangeOp) String() string {
	return fmt.Sprintf("stepRange[%d:%d of %d]", op.from, op.to, op.inT)
}
func (op stepRangeOp) DiffWRT(inputs int) []bool { return []bool{true} }
func (op stepRangeOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(inputs))
	}
	d, err := G.ApplyOp(stepPadOp{from: op.from, len: op.to - op.from, outT: op.inT, squeeze: op.squeeze}, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", op, err)
	}
	return G.Nodes{d}, nil
}

// stepPadOp places a [B, len, N] tensor (or [B, N] when squeeze is set and len is 1) at steps
// [from, from+len) of a zero [B, outT, N] tensor: the gradient of stepRangeOp.
type stepPadOp struct {
	from, len int
	outT      int
	squeeze   bool
}

func (op stepPadOp) Arity() int { return 1 }
func (op stepPadOp) Type() hm.Type {
	in := 3
	if op.squeeze {
		in = 2
	}
	return hm.NewFnType(opsTensorType(in), opsTensorType(3))
}

func (op stepPadOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(ds))
	}
	s, ok := ds[0].(tensor.Shape)
	switch {
	case !ok:
		return nil, fmt.Errorf("%v: input shape %v is not a shape", op, ds[0])
	case op.squeeze && len(s) == 2:
		return tensor.Shape{s[0], op.outT, s[1]}, nil
	case !op.squeeze && len(s) == 3 && s[1] == op.len:
		return tensor.Shape{s[0], op.outT, s[2]}, nil
	}
	return nil, fmt.Errorf("%v: input shape %v does not fit", op, s)
}

func (op stepPadOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(vals))
	}
	in, err := opsDense(vals[0])
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	s := in.Shape()
	var b, n int
	switch {
	case op.squeeze && len(s) == 2:
		b, n = s[0], s[1]
	case !op.squeeze && len(s) == 3 && s[1] == op.len:
		b, n = s[0], s[2]
	default:
		return nil, fmt.Errorf("%v: input shape %v does not fit", op, s)
	}
	out := tensor.New(tensor.WithShape(b, op.outT, n), tensor.Of(in.Dtype()))
	src, err := opsData(in)
	if err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	dst, _ := opsData(out)
	if err := opsCopyRows(dst, src, b, op.len*n, op.outT*n, op.from*n, op.len*n, 0); err != nil {
		return nil, fmt.Errorf("%v: %w", op, err)
	}
	return out, nil
}

func (op stepPadOp) ReturnsPtr() bool     { return false }
func (op stepPadOp) CallsExtern() bool    { return false }
func (op stepPadOp) OverwritesInput() int { return -1 }
func (op stepPadOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "dale.stepPad(from=%d,len=%d,outT=%d,squeeze=%t)", op.from, op.len, op.outT, op.squeeze)
}
func (op stepPadOp) Hashcode() uint32 { return opsHash(op.WriteHash) }
func (op stepPadOp) String() string {
	return fmt.Sprintf("stepPad[%d:%d of %d]", op.from, op.from+op.len, op.outT)
}
func (op stepPadOp) DiffWRT(inputs int) []bool { return []bool{true} }
func (op stepPadOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("%v: want 1 input, got %d", op, len(inputs))
	}
	d, err := G.ApplyOp(stepRangeOp{from: op.from, to: op.from + op.len, inT: op.outT, squeeze: op.squeeze}, grad)
	if err != nil {
		return nil, fmt.Errorf("%v: gradient: %w", op, err)
	}
	return G.Nodes{d}, nil
}

// stepStackOp stacks steps T [B, N] tensors into one [B, T, N] tensor (step t from input t).
type stepStackOp struct {
	steps int
}

func (op stepStackOp) Arity() int { return op.steps }
func (op stepStackOp) Type() hm.Type {
	ts := make([]hm.Type, op.steps+1)
	for i := range op.steps {
		ts[i] = opsTensorType(2)
	}
	ts[op.steps] = opsTensorType(3)
	return hm.NewFnType(ts...)
}

func (op stepStackOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	if len(ds) != op.steps || op.steps == 0 {
		return nil, fmt.Errorf("%v: want %d inputs, got %d", op, op.steps, len(ds))
	}
	first, ok := ds[0].(tensor.Shape)
	if !ok || len(first) != 2 {
		return nil, fmt.Errorf("%v: input 0 has shape %v: want [B, N]", op, ds[0])
	}
	for i, d := range ds {
		s, ok := d.(tensor.Shape)
		if !ok || !s.Eq(first) {
			return nil, fmt.Errorf("%v: input %d has shape %v: want %v", op, i, d, first)
		}
	}
	return tensor.Shape{first[0], op.steps, first[1]}, nil
}

func (op stepStackOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != op.steps || op.steps == 0 {
		return nil, fmt.Errorf("%v: want %d inputs, got %d", op, op.steps, len(vals))
	}
	var out *tensor.Dense
	var dst any
	var b, n int
	for t, v := range vals {
		in, err := opsDense(v)
		if err != nil {
			return nil, fmt.Errorf("%v: input %d: %w", op, t, err)
		}
		s := in.Shape()
		if len(s) != 2 {
			return nil, fmt.Errorf("%v: input %d has shape %v: want [B, N]", op, t, s)
		}
		if t == 0 {
			b, n = s[0], s[1]
			out = tensor.New(tensor.WithShape(b, op.steps, n), tensor.Of(in.Dtype()))
			if dst, err = opsData(out); err != nil {
				return nil, fmt.Errorf("%v: %w", op, err)
			}
		} else if s[0] != b || s[1] != n {
			return nil, fmt.Errorf("%v: input %d has shape %v: want [%d %d]", op, t, s, b, n)
		}
		src, err := opsData(in)
		if err != nil {
			return nil, fmt.Errorf("%v: %w", op, err)
		}
		if err := opsCopyRows(dst, src, b, n, op.steps*n, t*n, n, 0); err != nil {
			return nil, fmt.Errorf("%v: input %d: %w", op, t, err)
		}
	}
	return out, nil
}

func (op stepStackOp) ReturnsPtr() bool     { return false }
func (op stepStackOp) CallsExtern() bool    { return false }
func (op stepStackOp) OverwritesInput() int { return -1 }
func (op stepStackOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "dale.stepStack(steps=%d)", op.steps)
}
func (op stepStackOp) Hashcode() uint32 { return opsHash(op.WriteHash) }
func (op stepStackOp) String() string   { return fmt.Sprintf("stepStack[%d]", op.steps) }
func (op stepStackOp) DiffWRT(inputs int) []bool {
	r := make([]bool, inputs)
	for i := range r {
		r[i] = true
	}
	return r
}
func (op stepStackOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.steps {
		return nil, fmt.Errorf("%v: want %d inputs, got %d", op, op.steps, len(inputs))
	}
	r := make(G.Nodes, op.steps)
	for t := range r {
		d, err := G.ApplyOp(stepRangeOp{from: t, to: t + 1, inT: op.steps, squeeze: true}, grad)
		if err != nil {
			return nil, fmt.Errorf("%v: gradient of step %d: %w", op, t, err)
		}
		r[t] = d
	}
	return r, nil
}

// stepSplit returns the T steps of x [B, T, N] as [B, N] nodes. It selects through a binary tree
// of stepRangeOps, so the gradient with respect to x is assembled in O(T log T) rather than
// O(T²) work (gorgonia sums the gradients of all consumers of a node, each of x's full size).
func stepSplit(x *G.Node, steps int) ([]*G.Node, error) {
	out := make([]*G.Node, 0, steps)
	var rec func(n *G.Node, nT int) error
	rec = func(n *G.Node, nT int) error {
		if nT == 1 {
			s, err := G.ApplyOp(stepRangeOp{from: 0, to: 1, inT: 1, squeeze: true}, n)
			if err != nil {
				return err
			}
			out = append(out, s)
			return nil
		}
		mid := nT / 2
		for _, part := range [2][2]int{{0, mid}, {mid, nT}} {
			k := part[1] - part[0]
			if k == 1 {
				s, err := G.ApplyOp(stepRangeOp{from: part[0], to: part[1], inT: nT, squeeze: true}, n)
				if err != nil {
					return err
				}
				out = append(out, s)
				continue
			}
			s, err := G.ApplyOp(stepRangeOp{from: part[0], to: part[1], inT: nT}, n)
			if err != nil {
				return err
			}
			if err := rec(s, k); err != nil {
				return err
			}
		}
		return nil
	}
	if err := rec(x, steps); err != nil {
		return nil, err
	}
	return out, nil
}

// stepSelectAll returns the T steps of x [B, T, N] as [B, N] nodes selected directly, for inputs
// that need no gradient (noise).
func stepSelectAll(x *G.Node, steps int) ([]*G.Node, error) {
	out := make([]*G.Node, steps)
	for t := range out {
		s, err := G.ApplyOp(stepRangeOp{from: t, to: t + 1, inT: steps, squeeze: true}, x)
		if err != nil {
			return nil, err
		}
		out[t] = s
	}
	return out, nil
}
