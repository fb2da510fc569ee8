package rnn

import (
	"fmt"
	"math"
	"unsafe"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Activation names a firing-rate function r = f(v):
//
//   - "relu":     max(0, v)
//   - "tanh":     tanh(v)
//   - "sigmoid":  1 / (1 + e^−v)
//   - "retanh":   max(0, tanh(v))
//   - "softplus": log(1 + e^v)
//
// The derivative of relu and retanh at exactly v = 0 is taken to be 0, as in PyTorch (and so
// nn4n); both engines use the same convention.
type Activation string

// The firing-rate functions dale knows.
const (
	ReLU     Activation = "relu"
	Tanh     Activation = "tanh"
	Sigmoid  Activation = "sigmoid"
	ReTanh   Activation = "retanh"
	Softplus Activation = "softplus"
)

// activations lists every valid Activation in a fixed order.
var activations = []Activation{ReLU, Tanh, Sigmoid, ReTanh, Softplus}

// Validate returns nil for a known activation and otherwise an error naming the value and the
// allowed set.
func (a Activation) Validate() error {
	for _, k := range activations {
		if a == k {
			return nil
		}
	}
	return fmt.Errorf("activation = %q is not allowed: must be one of %q, %q, %q, %q, %q",
		string(a), ReLU, Tanh, Sigmoid, ReTanh, Softplus)
}

// Node applies the activation to v inside v's graph, elementwise and differentiably. v must be a
// float32 or float64 node.
func (a Activation) Node(v *G.Node) (*G.Node, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, fmt.Errorf("activation %s: nil node", a)
	}
	var zero *G.Node
	switch v.Dtype() {
	case tensor.Float32:
		zero = G.NewConstant(float32(0))
	case tensor.Float64:
		zero = G.NewConstant(float64(0))
	default:
		return nil, fmt.Errorf("activation %s: node %q has dtype %v: must be float32 or float64",
			a, v.Name(), v.Dtype())
	}
	rect := func(x *G.Node) (*G.Node, error) {
		// x ⊙ [x > 0]: the comparison is a constant to the gradient, so f'(x) = [x > 0]
		// (0 at exactly 0, like PyTorch; gorgonia's Rectify uses x ≥ 0).
		mask, err := G.Gt(x, zero, true)
		if err != nil {
			return nil, fmt.Errorf("activation %s: %w", a, err)
		}
		return G.HadamardProd(x, mask)
	}
	switch a {
	case ReLU:
		return rect(v)
	case Tanh:
		return G.Tanh(v)
	case Sigmoid:
		return G.Sigmoid(v)
	case ReTanh:
		t, err := G.Tanh(v)
		if err != nil {
			return nil, fmt.Errorf("activation %s: %w", a, err)
		}
		return rect(t)
	default: // Softplus
		return G.Softplus(v)
	}
}

// actKind is the activation as a small integer, for switching outside the kernels' inner loops.
type actKind int

const (
	actReLU actKind = iota
	actTanh
	actSigmoid
	actReTanh
	actSoftplus
)

func (a Activation) kind() actKind {
	switch a {
	case Tanh:
		return actTanh
	case Sigmoid:
		return actSigmoid
	case ReTanh:
		return actReTanh
	case Softplus:
		return actSoftplus
	default:
		return actReLU
	}
}

// fusedFloat is the element type of the fused kernels.
type fusedFloat interface{ ~float32 | ~float64 }

// actSoftplus64 is log(1+e^x) with the same cut-offs as gorgonia's float64 softplus.
func actSoftplus64(x float64) float64 {
	if x < -708 {
		return 0
	}
	if x > 16 {
		return x
	}
	return math.Log1p(math.Exp(x))
}

// actSoftplus32 is log(1+e^x) with the same cut-offs as gorgonia's float32 softplus.
func actSoftplus32(x float32) float32 {
	if x < -103 {
		return 0
	}
	if x > 14 {
		return x
	}
	return float32(math.Log1p(math.Exp(float64(x))))
}

// actSigmoid64 is 1/(1+e^−x) with gorgonia's cut-offs.
func actSigmoid64(x float64) float64 {
	if x < -709 {
		return 0
	}
	if x > 19 {
		return 1
	}
	return 1 / (1 + math.Exp(-x))
}

// actSoftplusT and actSigmoidT dispatch on the element type so a float32 kernel rounds exactly
// as gorgonia's float32 ops do.
func actSoftplusT[T fusedFloat](x T) T {
	if unsafe.Sizeof(x) == 4 {
		return T(actSoftplus32(float32(x)))
	}
	return T(actSoftplus64(float64(x)))
}

func actSigmoidT[T fusedFloat](x T) T {
	if unsafe.Sizeof(x) == 4 {
		return T(actSigmoid32(float32(x)))
	}
	return T(actSigmoid64(float64(x)))
}

// actSigmoid32 is 1/(1+e^−x) with gorgonia's float32 cut-offs.
func actSigmoid32(x float32) float32 {
	if x < -88 {
		return 0
	}
	if x > 15 {
		return 1
	}
	return float32(1 / (1 + math.Exp(float64(-x))))
}

// actApply writes r[i] = f(v[i]) for every i (len(r) ≥ len(v)).
func actApply[T fusedFloat](k actKind, v, r []T) {
	r = r[:len(v)]
	switch k {
	case actReLU:
		for i, x := range v {
			if x > 0 {
				r[i] = x
			} else {
				r[i] = 0
			}
		}
	case actTanh:
		for i, x := range v {
			r[i] = T(math.Tanh(float64(x)))
		}
	case actSigmoid:
		for i, x := range v {
			r[i] = actSigmoidT(x)
		}
	case actReTanh:
		for i, x := range v {
			if x > 0 {
				r[i] = T(math.Tanh(float64(x)))
			} else {
				r[i] = 0
			}
		}
	case actSoftplus:
		for i, x := range v {
			r[i] = actSoftplusT(x)
		}
	}
}

// actDeriv writes d[i] = f'(v[i]) for every i (len(d) ≥ len(v)).
func actDeriv[T fusedFloat](k actKind, v, d []T) {
	d = d[:len(v)]
	switch k {
	case actReLU:
		for i, x := range v {
			if x > 0 {
				d[i] = 1
			} else {
				d[i] = 0
			}
		}
	case actTanh:
		for i, x := range v {
			t := T(math.Tanh(float64(x)))
			d[i] = 1 - t*t
		}
	case actSigmoid:
		for i, x := range v {
			s := actSigmoidT(x)
			d[i] = s * (1 - s)
		}
	case actReTanh:
		for i, x := range v {
			if x > 0 {
				t := T(math.Tanh(float64(x)))
				d[i] = 1 - t*t
			} else {
				d[i] = 0
			}
		}
	case actSoftplus:
		for i, x := range v {
			d[i] = actSigmoidT(x)
		}
	}
}
