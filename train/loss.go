package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/config"
)

// Loss is one term of the training loss, as a value: the built-ins MSE,
// CrossEntropy, FiringRate, FiringRateDist, WeightL1, WeightL2 and
// StatePred, or a type of your own. A LossSpec gives a Loss its λ and,
// optionally, another name. A Loss is only read, so one value may serve
// any number of runs.
//
// To be named in JSON options, a loss type is registered with RegisterLoss
// under the name its Type method returns; the params of its JSON form are
// what json.Marshal writes for the value, and the decoder given to
// RegisterLoss must read them back.
type Loss interface {
	// Type is the name the loss is registered under: the "type" of its
	// JSON form ("mse", "fr", ...).
	Type() string
	// Name is the term's default name, its column in history.csv and its
	// key in results ("mse", "fr_l2", "weight_l1_hidden", ...): lower-case
	// letters, digits and underscores.
	Name() string
	// Build adds the term's unweighted value, a scalar node of the
	// graph's dtype, to the training graph described by in. It is called
	// once per batch shape (trials, steps); the trainer weights the node
	// by λ, adds it to the total and differentiates the total. An error
	// stops the run.
	Build(in *LossInput) (*G.Node, error)
}

// LossInput is what a Loss is built from: one training graph, for batches
// of B trials and T steps, and its nodes. Leaves that change with every
// batch are made with Leaf and written by a function given to OnBatch.
type LossInput struct {
	// Graph is the training graph the term is added to.
	Graph *G.ExprGraph
	// Outputs [B,T,Out] are the model's readouts, Rates [B,T,N] its
	// firing rates.
	Outputs, Rates *G.Node
	// WIn [In,N], WRec [N,N] and WOut [N,Out] are the effective weights
	// |W| ⊙ M (what Dale's law and the masks leave).
	WIn, WRec, WOut *G.Node
	// B, T, Out and N are the batch's trials and steps, the outputs and
	// the hidden neurons.
	B, T, Out, N int

	idx int        // the term's position, to name its leaves
	lg  *lossGraph // shared leaves and fills
}

// Targets returns the leaf [B,T,Out] holding each batch's targets (shared
// by all terms of the graph).
func (in *LossInput) Targets() *G.Node {
	in.lg.maskedTargets(in)
	return in.lg.targets
}

// MaskWeights returns the leaf [B,T,Out] holding each batch's mask divided
// by its sum (by 1 when the mask is all zero), so that Σ w·e is a masked
// mean of e (shared by all terms of the graph).
func (in *LossInput) MaskWeights() *G.Node {
	in.lg.maskedTargets(in)
	return in.lg.maskW
}

// MeanRates returns the node [N] of each neuron's mean rate over the
// batch's trials and steps (shared by all terms of the graph).
func (in *LossInput) MeanRates() (*G.Node, error) {
	if in.lg.meanRates == nil {
		r2, err := G.Reshape(in.Rates, tensor.Shape{in.B * in.T, in.N})
		if err != nil {
			return nil, err
		}
		if in.lg.meanRates, err = G.Mean(r2, 0); err != nil {
			return nil, err
		}
	}
	return in.lg.meanRates, nil
}

// Leaf adds a leaf of the graph's dtype and the given shape to the graph,
// named after the term ("loss<i>_<name>"), and returns it with its
// backing tensor ([]float32 or []float64 data, as the graph's dtype). Write
// the tensor in Build for a constant, or in an OnBatch function for data
// that changes with the batch.
func (in *LossInput) Leaf(name string, shape ...int) (*G.Node, *tensor.Dense) {
	return leaf(in.Graph, in.lg.dtype, fmt.Sprintf("loss%d_%s", in.idx, name), shape...)
}

// OnBatch registers fill to run before every step of the graph, with the
// step's batch (to write the tensors of Leaf leaves).
func (in *LossInput) OnBatch(fill func(b *batch.Batch)) {
	in.lg.fills = append(in.lg.fills, fill)
}

// Const returns a scalar constant v of the graph's dtype.
func (in *LossInput) Const(v float64) *G.Node { return scalarConst(in.lg.dtype, v) }

// LossSpec is one term of the training loss: λ·Loss. Its JSON form is
// {"type": ..., "lambda": ..., "params": {...}, "name": ...}, where type
// is a name given to RegisterLoss (the built-ins' names are listed with
// their types: "mse", "cross_entropy", "fr", "fr_dist", "weight_l1",
// "weight_l2", "state_pred") and params are the type's parameters;
// unknown keys, types and parameters are errors.
type LossSpec struct {
	// Loss is the term (required).
	Loss Loss
	// Lambda is the term's weight in the total loss (0 → 1; must be ≥ 0).
	Lambda float64
	// Name is the term's column in history.csv and its key in results;
	// empty means Loss.Name(). Lower-case letters, digits and
	// underscores.
	Name string
}

// lossSpecJSON is the JSON form of a LossSpec.
type lossSpecJSON struct {
	Type   string          `json:"type"`
	Lambda float64         `json:"lambda,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Name   string          `json:"name,omitempty"`
}

// MarshalJSON writes the JSON form; params are json.Marshal(s.Loss),
// left out when that is {}.
func (s LossSpec) MarshalJSON() ([]byte, error) {
	if s.Loss == nil {
		return nil, errors.New("train: loss spec without a Loss")
	}
	p, err := json.Marshal(s.Loss)
	if err != nil {
		return nil, fmt.Errorf("train: loss %q: params: %w", s.Loss.Type(), err)
	}
	j := lossSpecJSON{Type: s.Loss.Type(), Lambda: s.Lambda, Name: s.Name}
	if !isEmptyJSON(p) {
		j.Params = p
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the JSON form, rejecting unknown keys and types;
// the loss comes from the decoder registered for its type.
func (s *LossSpec) UnmarshalJSON(b []byte) error {
	v, err := decodeLossSpec(b, "train: loss")
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// decodeLossSpec decodes one spec; errors name the spec as field
// ("train: losses[2]").
func decodeLossSpec(b []byte, field string) (LossSpec, error) {
	var p lossSpecJSON
	if err := config.ExactKeys(b, p); err != nil {
		return LossSpec{}, config.Errorf("%s.%v", field, err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return LossSpec{}, fmt.Errorf("%s: %v (allowed keys: type, lambda, params, name)", field, err)
	}
	if err := config.RejectDefaultZeros("", b, lossSpecJSON{Lambda: 1}); err != nil {
		return LossSpec{}, config.Errorf("%s.%v", field, err)
	}
	if p.Type == "" {
		return LossSpec{}, fmt.Errorf("%s.type is missing: must be one of %s", field, lossRegistry.list())
	}
	dec, ok := lossRegistry.lookup(p.Type)
	if !ok {
		return LossSpec{}, config.Errorf("%s.type = %q is not allowed: must be one of %s", field, p.Type, lossRegistry.list())
	}
	l, err := dec(p.Params)
	if err != nil {
		return LossSpec{}, paramsErr(field+".params", err)
	}
	if l == nil || l.Type() != p.Type {
		return LossSpec{}, config.Errorf("%s.type = %q is not allowed: its decoder returned %T, whose Type is not %q", field, p.Type, l, p.Type)
	}
	return LossSpec{Loss: l, Lambda: p.Lambda, Name: p.Name}, nil
}

// decodeLosses decodes a JSON list of specs (null: none).
func decodeLosses(raw json.RawMessage) ([]LossSpec, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, config.Errorf("train: losses = %s is not allowed: must be a list of loss terms", bytes.TrimSpace(raw))
	}
	var out []LossSpec
	for i, r := range list {
		s, err := decodeLossSpec(r, fmt.Sprintf("train: losses[%d]", i))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

var lossRegistry = &registry[Loss]{kind: "loss", register: "RegisterLoss"}

// RegisterLoss makes the loss type name usable in the JSON form of
// LossSpec (and so in train options): decode turns the spec's params
// (absent: nil) into the Loss, whose Type must return name. An error
// decode returns is reported after "train: losses[i].params.", so it
// should start with the parameter's name: `scale = -1 is not allowed: must
// be > 0`. The built-in types are registered already; name must be
// lower-case letters, digits and _, and registering a name twice is an
// error. Register from an init function or before decoding options; it is
// safe for concurrent use.
func RegisterLoss(name string, decode func(params json.RawMessage) (Loss, error)) error {
	return lossRegistry.add(name, decode)
}

// lossDef is a validated LossSpec.
type lossDef struct {
	loss   Loss
	name   string
	lambda float64
}

// checker is implemented by the built-in losses and optimisers: it checks
// a value set in Go as decoding checks JSON. out is the model's readout
// size (0: not known yet).
type checker interface {
	check(out int) error
}

var nameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

// parseLosses validates the specs (nil or empty → masked MSE, λ = 1)
// against a model with out readout channels (0: not known yet, output
// indices are then only checked to be >= 0).
func parseLosses(specs []LossSpec, out int) ([]lossDef, error) {
	if len(specs) == 0 {
		specs = []LossSpec{{Loss: MSE{}}}
	}
	var defs []lossDef
	seen := map[string]bool{}
	for i, s := range specs {
		field := fmt.Sprintf("train: losses[%d]", i)
		if s.Loss == nil {
			return nil, fmt.Errorf("%s.type is missing: must be one of %s", field, lossRegistry.list())
		}
		d := lossDef{loss: s.Loss, lambda: s.Lambda, name: s.Loss.Name()}
		if d.lambda == 0 {
			d.lambda = 1
		}
		if !(d.lambda >= 0) || math.IsInf(d.lambda, 0) {
			return nil, config.Errorf("%s.lambda = %v is not allowed: must be finite and >= 0", field, s.Lambda)
		}
		if c, ok := s.Loss.(checker); ok {
			if err := c.check(out); err != nil {
				return nil, paramsErr(field+".params", err)
			}
		}
		if s.Name != "" {
			if !nameRE.MatchString(s.Name) || reservedColumn(s.Name) {
				return nil, config.Errorf("%s.name = %q is not allowed: must be lower-case letters, digits and _, not one of step, stage, total, grad_norm, lr, accuracy, eval_mse, wall_s, and not start with eval_", field, s.Name)
			}
			d.name = s.Name
		} else if !nameRE.MatchString(d.name) || reservedColumn(d.name) {
			return nil, fmt.Errorf("%s.name is missing: the default name %q of type %q is not lower-case letters, digits and _, or is reserved: give a \"name\"", field, d.name, s.Loss.Type())
		}
		if seen[d.name] {
			return nil, fmt.Errorf("%s: a second term named %q: give one of them a \"name\"", field, d.name)
		}
		seen[d.name] = true
		defs = append(defs, d)
	}
	return defs, nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// lossNodes are the model nodes losses are built from.
type lossNodes struct {
	Outputs, Rates  *G.Node // [B,T,Out], [B,T,N]
	WIn, WRec, WOut *G.Node // effective weights
}

// lossGraph is the loss part of one training graph.
type lossGraph struct {
	terms  []*G.Node // unweighted value of each term (scalars)
	total  *G.Node
	fills  []func(b *batch.Batch) // set the per-batch leaves
	dtype  tensor.Dtype
	b, t   int
	outDim int

	// shared by the terms, made on first use
	targets, maskW, meanRates *G.Node
}

// maskedTargets makes the shared targets and mask-weight leaves and their
// fill on first use.
func (lg *lossGraph) maskedTargets(in *LossInput) {
	if lg.targets != nil {
		return
	}
	var tv, mv *tensor.Dense
	lg.targets, tv = leaf(in.Graph, lg.dtype, "loss_targets", in.B, in.T, in.Out)
	lg.maskW, mv = leaf(in.Graph, lg.dtype, "loss_mse_weights", in.B, in.T, in.Out)
	wbuf := make([]float64, in.B*in.T*in.Out)
	lg.fills = append(lg.fills, func(bt *batch.Batch) {
		setFromF32(tv, bt.Targets)
		var s float64
		for _, m := range bt.Mask {
			s += float64(m)
		}
		if s == 0 {
			s = 1
		}
		for j, m := range bt.Mask {
			wbuf[j] = float64(m) / s
		}
		setData(mv, wbuf)
	})
}

// leaf makes a named input leaf of the graph's dtype with the given shape
// and returns it with its backing tensor (written in place per batch).
func leaf(g *G.ExprGraph, dt tensor.Dtype, name string, shape ...int) (*G.Node, *tensor.Dense) {
	v := tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	var n *G.Node
	switch len(shape) {
	case 0:
		n = G.NewScalar(g, dt, G.WithName(name), G.WithValue(v))
	case 1:
		n = G.NewVector(g, dt, G.WithShape(shape...), G.WithName(name), G.WithValue(v))
	case 2:
		n = G.NewMatrix(g, dt, G.WithShape(shape...), G.WithName(name), G.WithValue(v))
	default:
		n = G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(v))
	}
	return n, v
}

// setData writes float64 values into a float32 or float64 tensor.
func setData(t *tensor.Dense, v []float64) {
	switch d := t.Data().(type) {
	case []float32:
		for i, x := range v {
			d[i] = float32(x)
		}
	case []float64:
		copy(d, v)
	}
}

func scalarConst(dt tensor.Dtype, v float64) *G.Node {
	if dt == tensor.Float64 {
		return G.NewConstant(v)
	}
	return G.NewConstant(float32(v))
}

// buildLosses adds the loss terms to the graph of the nodes in ln, for
// batches of b trials and t steps. The per-batch leaves are set by the
// returned fills.
func buildLosses(g *G.ExprGraph, ln lossNodes, defs []lossDef, b, t int) (*lossGraph, error) {
	dt := ln.Outputs.Dtype()
	outShape := ln.Outputs.Shape()
	rShape := ln.Rates.Shape()
	if len(outShape) != 3 || len(rShape) != 3 {
		return nil, fmt.Errorf("train: outputs %v and rates %v must be 3-dimensional", outShape, rShape)
	}
	out, n := outShape[2], rShape[2]
	lg := &lossGraph{dtype: dt, b: b, t: t, outDim: out}
	for i, d := range defs {
		in := &LossInput{Graph: g, Outputs: ln.Outputs, Rates: ln.Rates, WIn: ln.WIn, WRec: ln.WRec, WOut: ln.WOut,
			B: b, T: t, Out: out, N: n, idx: i, lg: lg}
		term, err := d.loss.Build(in)
		if err == nil && term == nil {
			err = errors.New("Build returned no node")
		}
		if err == nil && !term.IsScalar() {
			err = fmt.Errorf("Build returned a node of shape %v, not a scalar", term.Shape())
		}
		if err == nil && term.Dtype() != dt {
			err = fmt.Errorf("Build returned a node of dtype %v, not the graph's %v", term.Dtype(), dt)
		}
		if err != nil {
			return nil, fmt.Errorf("train: loss %q: %w", d.name, err)
		}
		lg.terms = append(lg.terms, term)
		weighted := term
		if d.lambda != 1 {
			if weighted, err = G.Mul(term, scalarConst(dt, d.lambda)); err != nil {
				return nil, fmt.Errorf("train: loss %q: %w", d.name, err)
			}
		}
		if lg.total == nil {
			lg.total = weighted
		} else if lg.total, err = G.Add(lg.total, weighted); err != nil {
			return nil, fmt.Errorf("train: loss %q: %w", d.name, err)
		}
	}
	return lg, nil
}

func setFromF32(t *tensor.Dense, v []float32) {
	switch d := t.Data().(type) {
	case []float32:
		copy(d, v)
	case []float64:
		for i, x := range v {
			d[i] = float64(x)
		}
	}
}

func mseNode(y, target, w *G.Node) (*G.Node, error) {
	diff, err := G.Sub(y, target)
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(diff)
	if err != nil {
		return nil, err
	}
	wsq, err := G.HadamardProd(sq, w)
	if err != nil {
		return nil, err
	}
	return G.Sum(wsq)
}

// crossEntropy: X = reshape(Y)[B·T,Out] · S[Out,C] selects the choice
// outputs with a constant 0/1 matrix (no Slice); loss = Σ_r w_r·lse(X_r) −
// Σ_rc qw_rc·X_rc with qw_rc = w_r·q_rc and Σ_r w_r = 1.
func crossEntropy(in *LossInput, outputs []int) (*G.Node, error) {
	y, b, t, out := in.Outputs, in.B, in.T, in.Out
	c := len(outputs)
	sel, sv := in.Leaf("ce_select", out, c)
	s := make([]float64, out*c)
	for j, o := range outputs {
		s[o*c+j] = 1
	}
	setData(sv, s)
	y2, err := G.Reshape(y, tensor.Shape{b * t, out})
	if err != nil {
		return nil, err
	}
	x, err := G.Mul(y2, sel)
	if err != nil {
		return nil, err
	}
	wrow, wv := in.Leaf("ce_rows", b*t)
	qw, qv := in.Leaf("ce_targets", b*t, c)
	wbuf, qbuf := make([]float64, b*t), make([]float64, b*t*c)
	in.OnBatch(func(bt *batch.Batch) {
		var total float64
		for r := range b * t {
			var w, q float64
			for _, o := range outputs {
				w = max(w, float64(bt.Mask[r*out+o]))
				q += max(0, float64(bt.Targets[r*out+o]))
			}
			if q == 0 {
				w = 0
			}
			wbuf[r] = w
			total += w
			for j, o := range outputs {
				qbuf[r*c+j] = 0
				if q > 0 {
					qbuf[r*c+j] = max(0, float64(bt.Targets[r*out+o])) / q
				}
			}
		}
		if total == 0 {
			total = 1
		}
		for r := range b * t {
			wbuf[r] /= total
			for j := range c {
				qbuf[r*c+j] *= wbuf[r]
			}
		}
		setData(wv, wbuf)
		setData(qv, qbuf)
	})
	ex, err := G.Exp(x)
	if err != nil {
		return nil, err
	}
	se, err := G.Sum(ex, 1)
	if err != nil {
		return nil, err
	}
	lse, err := G.Log(se)
	if err != nil {
		return nil, err
	}
	t1p, err := G.HadamardProd(lse, wrow)
	if err != nil {
		return nil, err
	}
	t1, err := G.Sum(t1p)
	if err != nil {
		return nil, err
	}
	t2p, err := G.HadamardProd(x, qw)
	if err != nil {
		return nil, err
	}
	t2, err := G.Sum(t2p)
	if err != nil {
		return nil, err
	}
	return G.Sub(t1, t2)
}

func frNode(mfr *G.Node, metric string) (*G.Node, error) {
	var v *G.Node
	var err error
	if metric == "l1" {
		v, err = G.Abs(mfr)
	} else {
		v, err = G.Square(mfr)
	}
	if err != nil {
		return nil, err
	}
	return G.Mean(v)
}

func frDistNode(mfr *G.Node, metric string, n int) (*G.Node, error) {
	dt := mfr.Dtype()
	mu, err := G.Mean(mfr)
	if err != nil {
		return nil, err
	}
	dev, err := G.Sub(mfr, mu)
	if err != nil {
		return nil, err
	}
	switch metric {
	case "mean_ad", "max_ad":
		a, err := G.Abs(dev)
		if err != nil {
			return nil, err
		}
		if metric == "mean_ad" {
			return G.Mean(a)
		}
		return G.Max(a)
	}
	sq, err := G.Square(dev)
	if err != nil {
		return nil, err
	}
	ss, err := G.Sum(sq)
	if err != nil {
		return nil, err
	}
	v, err := G.Mul(ss, scalarConst(dt, 1/float64(max(1, n-1))))
	if err != nil {
		return nil, err
	}
	if v, err = G.Add(v, scalarConst(dt, 1e-12)); err != nil {
		return nil, err
	}
	sd, err := G.Sqrt(v)
	if err != nil || metric == "sd" {
		return sd, err
	}
	return G.HadamardDiv(sd, mu)
}

func weightNode(ws []*G.Node, l1 bool) (*G.Node, error) {
	var total *G.Node
	for _, w := range ws {
		var v *G.Node
		var err error
		if l1 {
			v, err = G.Abs(w)
		} else {
			v, err = G.Square(w)
		}
		if err != nil {
			return nil, err
		}
		if v, err = G.Mean(v); err != nil {
			return nil, err
		}
		if total == nil {
			total = v
		} else if total, err = G.Add(total, v); err != nil {
			return nil, err
		}
	}
	return total, nil
}

// statePred: R [B,T,N] → [B,N,T] → [B·N,T] · D[T,T−τ] (D[j,j] = 1,
// D[j+τ,j] = −1) → mean of squares. A constant matrix product does the time
// shift (no Slice).
func statePred(in *LossInput, tau int) (*G.Node, error) {
	r, b, t, n := in.Rates, in.B, in.T, in.N
	rt, err := G.Transpose(r, 0, 2, 1)
	if err != nil {
		return nil, err
	}
	r2, err := G.Reshape(rt, tensor.Shape{b * n, t})
	if err != nil {
		return nil, err
	}
	dn, dv := in.Leaf("state_shift", t, t-tau)
	dd := make([]float64, t*(t-tau))
	for j := range t - tau {
		dd[j*(t-tau)+j] = 1
		dd[(j+tau)*(t-tau)+j] = -1
	}
	setData(dv, dd)
	diff, err := G.Mul(r2, dn)
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(diff)
	if err != nil {
		return nil, err
	}
	return G.Mean(sq)
}

// reachable returns the nodes of wrt that total depends on (gorgonia.Grad
// fails on the others, whose gradient is 0).
func reachable(g *G.ExprGraph, total *G.Node, wrt []*G.Node) []bool {
	seen := map[int64]bool{}
	stack := []int64{total.ID()}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[id] {
			continue
		}
		seen[id] = true
		it := g.From(id)
		for it.Next() {
			stack = append(stack, it.Node().ID())
		}
	}
	out := make([]bool, len(wrt))
	for i, n := range wrt {
		out[i] = seen[n.ID()]
	}
	return out
}
