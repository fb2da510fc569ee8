package rnn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// EffectiveNode returns the effective-weight node every Graph uses for one
// layer: with dale, W_eff = |W| ⊙ M (mask nil: |W|); without, W ⊙ M, where M
// must then hold |mask| (mask nil: W itself). The gradient reaches the raw
// weights through the absolute value: dW = dW_eff ⊙ M ⊙ sign(W), with
// sign(0) = 0 as in gorgonia's Abs.
//
// It is one op forward and one backward (the same values, bit for bit, as
// gorgonia's Abs followed by HadamardProd, which take six passes over the
// matrix between them, one of them a gradient for the mask nobody uses):
// at N ≥ 512 those passes cost about 2 % of a training step, this op well
// under 1 %.
func EffectiveNode(w, mask *G.Node, dale bool) (*G.Node, error) {
	if w == nil || len(w.Shape()) != 2 {
		return nil, fmt.Errorf("rnn: effective weights: w must be a matrix node")
	}
	if mask == nil && !dale {
		return w, nil
	}
	if mask != nil && !mask.Shape().Eq(w.Shape()) {
		return nil, fmt.Errorf("rnn: effective weights: mask shape %v differs from weight shape %v", mask.Shape(), w.Shape())
	}
	op := daleEffOp{rows: w.Shape()[0], cols: w.Shape()[1], dale: dale, masked: mask != nil}
	if mask == nil {
		return G.ApplyOp(op, w)
	}
	return G.ApplyOp(op, w, mask)
}

// daleEffOp computes |W| ⊙ M (dale) or W ⊙ M; without a mask input, |W|.
type daleEffOp struct {
	rows, cols int
	dale       bool
	masked     bool
}

func (op daleEffOp) Arity() int {
	if op.masked {
		return 2
	}
	return 1
}
func (op daleEffOp) Type() hm.Type { return rateType(2, op.Arity()) }
func (op daleEffOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.rows, op.cols}, nil
}

func (op daleEffOp) Do(vals ...G.Value) (G.Value, error) {
	in, err := opInputs(op, vals)
	if err != nil {
		return nil, err
	}
	w := in[0]
	var m *tensor.Dense
	if op.masked {
		m = in[1]
	}
	out := tensor.New(tensor.Of(w.Dtype()), tensor.WithShape(op.rows, op.cols))
	switch wd := w.Data().(type) {
	case []float32:
		var md []float32
		if m != nil {
			md = m.Data().([]float32)
		}
		daleEff(wd, md, out.Data().([]float32), op.dale)
	case []float64:
		var md []float64
		if m != nil {
			md = m.Data().([]float64)
		}
		daleEff(wd, md, out.Data().([]float64), op.dale)
	default:
		return nil, fmt.Errorf("%v: dtype %v", op, w.Dtype())
	}
	return out, nil
}

// daleEff writes |w| ⊙ m (dale), w ⊙ m, or |w| (m nil). The absolute value
// clears the sign bit: no branch, as the signs of raw weights are random.
func daleEff[T rateFloat](w, m, out []T, dale bool) {
	out = out[:len(w)]
	if m != nil {
		m = m[:len(w)]
	}
	switch wv := any(w).(type) {
	case []float32:
		o := any(out).([]float32)
		mv, _ := any(m).([]float32)
		switch {
		case m == nil:
			for i, x := range wv {
				o[i] = math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
			}
		case dale:
			for i, x := range wv {
				o[i] = math.Float32frombits(math.Float32bits(x)&^(1<<31)) * mv[i]
			}
		default:
			for i, x := range wv {
				o[i] = x * mv[i]
			}
		}
	case []float64:
		o := any(out).([]float64)
		mv, _ := any(m).([]float64)
		switch {
		case m == nil:
			for i, x := range wv {
				o[i] = math.Abs(x)
			}
		case dale:
			for i, x := range wv {
				o[i] = math.Abs(x) * mv[i]
			}
		default:
			for i, x := range wv {
				o[i] = x * mv[i]
			}
		}
	}
}

func (op daleEffOp) ReturnsPtr() bool     { return false }
func (op daleEffOp) CallsExtern() bool    { return false }
func (op daleEffOp) OverwritesInput() int { return -1 }
func (op daleEffOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "dale.effective(%d×%d, dale=%t, masked=%t)", op.rows, op.cols, op.dale, op.masked)
}
func (op daleEffOp) Hashcode() uint32 { return rateHash(op.WriteHash) }
func (op daleEffOp) String() string {
	if op.dale {
		return "|W|⊙M"
	}
	return "W⊙M"
}
func (op daleEffOp) DiffWRT(inputs int) []bool {
	d := make([]bool, inputs)
	d[0] = true // the mask is fixed
	return d
}
func (op daleEffOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	gop := daleEffGradOp(op)
	var dw *G.Node
	var err error
	if op.masked {
		dw, err = G.ApplyOp(gop, inputs[0], inputs[1], grad)
	} else {
		dw, err = G.ApplyOp(gop, inputs[0], grad)
	}
	if err != nil {
		return nil, err
	}
	out := make(G.Nodes, len(inputs))
	out[0] = dw
	return out, nil
}

// daleEffGradOp computes dW = (dW_eff ⊙ M) ⊙ sign(W) (dale) or dW_eff ⊙ M,
// from W, M (when masked) and dW_eff.
type daleEffGradOp struct {
	rows, cols int
	dale       bool
	masked     bool
}

func (op daleEffGradOp) Arity() int {
	if op.masked {
		return 3
	}
	return 2
}
func (op daleEffGradOp) Type() hm.Type { return rateType(2, op.Arity()) }
func (op daleEffGradOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.rows, op.cols}, nil
}

func (op daleEffGradOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != op.Arity() {
		return nil, fmt.Errorf("%v: %d inputs, want %d", op, len(vals), op.Arity())
	}
	ds := make([]*tensor.Dense, len(vals))
	for i, v := range vals {
		d, err := rateDense(v)
		if err != nil {
			return nil, fmt.Errorf("%v: input %d: %w", op, i, err)
		}
		ds[i] = d
	}
	w, g := ds[0], ds[len(ds)-1]
	out := tensor.New(tensor.Of(w.Dtype()), tensor.WithShape(op.rows, op.cols))
	switch wd := w.Data().(type) {
	case []float32:
		var md []float32
		if op.masked {
			md = ds[1].Data().([]float32)
		}
		daleEffGrad(wd, md, g.Data().([]float32), out.Data().([]float32), op.dale)
	case []float64:
		var md []float64
		if op.masked {
			md = ds[1].Data().([]float64)
		}
		daleEffGrad(wd, md, g.Data().([]float64), out.Data().([]float64), op.dale)
	default:
		return nil, fmt.Errorf("%v: dtype %v", op, w.Dtype())
	}
	return out, nil
}

// daleEffGrad writes dW = (g ⊙ m) ⊙ sign(w) (dale; m nil: g ⊙ sign(w)) or
// g ⊙ m, bit for bit what gorgonia's Abs and HadamardProd gradients give
// (+0 where w is ±0), without branches: multiplying by sign(w) = ±1 flips
// the sign bit by w's, and the result is masked to +0 where w is ±0.
func daleEffGrad[T rateFloat](w, m, g, out []T, dale bool) {
	out, g = out[:len(w)], g[:len(w)]
	if m != nil {
		m = m[:len(w)]
	}
	if !dale {
		for i := range w {
			out[i] = g[i] * m[i]
		}
		return
	}
	switch wv := any(w).(type) {
	case []float32:
		o, gv := any(out).([]float32), any(g).([]float32)
		mv, _ := any(m).([]float32)
		for i, x := range wv {
			gm := gv[i]
			if mv != nil {
				gm *= mv[i]
			}
			xb := math.Float32bits(x)
			nz := int32(xb &^ (1 << 31))
			keep := uint32((nz | -nz) >> 31)
			o[i] = math.Float32frombits((math.Float32bits(gm) ^ (xb & (1 << 31))) & keep)
		}
	case []float64:
		o, gv := any(out).([]float64), any(g).([]float64)
		mv, _ := any(m).([]float64)
		for i, x := range wv {
			gm := gv[i]
			if mv != nil {
				gm *= mv[i]
			}
			xb := math.Float64bits(x)
			nz := int64(xb &^ (1 << 63))
			keep := uint64((nz | -nz) >> 63)
			o[i] = math.Float64frombits((math.Float64bits(gm) ^ (xb & (1 << 63))) & keep)
		}
	}
}

func (op daleEffGradOp) ReturnsPtr() bool     { return false }
func (op daleEffGradOp) CallsExtern() bool    { return false }
func (op daleEffGradOp) OverwritesInput() int { return -1 }
func (op daleEffGradOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "dale.effectiveGrad(%d×%d, dale=%t, masked=%t)", op.rows, op.cols, op.dale, op.masked)
}
func (op daleEffGradOp) Hashcode() uint32          { return rateHash(op.WriteHash) }
func (op daleEffGradOp) String() string            { return "d(W_eff)/dW" }
func (op daleEffGradOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }
func (op daleEffGradOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return nil, fmt.Errorf("%v: second derivatives are not supported", op)
}
