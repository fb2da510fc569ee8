package rnn

import (
	"fmt"
	"math"
	"unsafe"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/config"
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
	return config.Errorf("activation = %q is not allowed: must be one of %q, %q, %q, %q, %q",
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

// The firing-rate functions, one definition each, for every engine: f and f' of each activation,
// generic over the element type and computed in its arithmetic. The fused kernels
// (recurrence_fused_kernel.go: actBoth) call them with their element type; the rates ops
// (graph_ops.go: rateF, rateDF) call them in float64 and round the result to the element type.
// Sigmoid and softplus have two forms: with gorgonia's cut-offs (actSigmoidT, actSoftplusT: the
// fused kernels, so that they agree with the unrolled engine's gorgonia ops) and overflow-free
// without cut-offs (sigmoidStable, softplusStable: the rates ops).

// reluKeep32 is the keep mask of relu, without branches (random signs make a branch mispredict
// half the time): all ones exactly when v > 0, else 0. With b the bits of v as a signed integer,
// (−b & ^b) has its sign bit set exactly when b > 0, i.e. when v is positive and not ±0 (−0 and
// negative values give 0; NaN with a clear sign bit is kept).
func reluKeep32(v float32) uint32 {
	b := int32(math.Float32bits(v))
	return uint32((-b & ^b) >> 31)
}

// reluKeep64 is reluKeep32 for float64.
func reluKeep64(v float64) uint64 {
	b := int64(math.Float64bits(v))
	return uint64((-b & ^b) >> 63)
}

// reluT is max(v, 0) through the keep mask, and reluDT its derivative [v > 0].
func reluT[T fusedFloat](v T) T {
	if unsafe.Sizeof(v) == 4 {
		x := float32(v)
		return T(math.Float32frombits(math.Float32bits(x) & reluKeep32(x)))
	}
	x := float64(v)
	return T(math.Float64frombits(math.Float64bits(x) & reluKeep64(x)))
}

func reluDT[T fusedFloat](v T) T {
	if unsafe.Sizeof(v) == 4 {
		return T(math.Float32frombits(0x3f800000 & reluKeep32(float32(v))))
	}
	return T(math.Float64frombits(0x3ff0000000000000 & reluKeep64(float64(v))))
}

// tanhT is tanh(v) rounded to T, and tanhDT its derivative 1 − t² from the value t = tanh(v).
// retanh is tanhT and tanhDT for v > 0 and 0 otherwise.
func tanhT[T fusedFloat](v T) T { return T(math.Tanh(float64(v))) }

func tanhDT[T fusedFloat](t T) T { return 1 - t*t }

// sigmoidDT is the derivative s(1 − s) of the sigmoid from its value s (either form).
func sigmoidDT[T fusedFloat](s T) T { return s * (1 - s) }

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

// actSoftplusT and actSigmoidT dispatch on the element type so a float32 kernel rounds exactly
// as gorgonia's float32 ops do. The derivative of softplus is the sigmoid.
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

// sigmoidStable is 1/(1+e^−v) without cut-offs, in a form that never overflows (e^v/(1+e^v)
// for v < 0), and softplusStable log(1+e^v) as max(v, 0) + log(1+e^−|v|). The rates ops use
// them (their derivatives: sigmoidDT of sigmoidStable, and sigmoidStable).
func sigmoidStable(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

func softplusStable(v float64) float64 {
	return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v)))
}

// actF and actDF are f(v) and f'(v) of activation k in T's arithmetic, with gorgonia's cut-offs
// for sigmoid and softplus (f'(0) = 0 for relu and retanh, as in Activation.Node).
func actF[T fusedFloat](k actKind, v T) T {
	switch k {
	case actTanh:
		return tanhT(v)
	case actSigmoid:
		return actSigmoidT(v)
	case actReTanh:
		if v > 0 {
			return tanhT(v)
		}
		return 0
	case actSoftplus:
		return actSoftplusT(v)
	default:
		return reluT(v)
	}
}

func actDF[T fusedFloat](k actKind, v T) T {
	switch k {
	case actTanh:
		return tanhDT(tanhT(v))
	case actSigmoid:
		return sigmoidDT(actSigmoidT(v))
	case actReTanh:
		if v > 0 {
			return tanhDT(tanhT(v))
		}
		return 0
	case actSoftplus:
		return actSigmoidT(v)
	default:
		return reluDT(v)
	}
}

// actApply writes r[i] = f(v[i]) for every i (len(r) ≥ len(v)).
func actApply[T fusedFloat](k actKind, v, r []T) {
	r = r[:len(v)]
	for i, x := range v {
		r[i] = actF(k, x)
	}
}

// actDeriv writes d[i] = f'(v[i]) for every i (len(d) ≥ len(v)).
func actDeriv[T fusedFloat](k actKind, v, d []T) {
	d = d[:len(v)]
	for i, x := range v {
		d[i] = actDF(k, x)
	}
}
