package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/dale-rnn/dale/batch"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LossSpec is one term of the training loss: λ·term. Its JSON form is
// {"type": ..., "lambda": ..., "params": {...}, "name": ...}; unknown keys,
// types and parameters are errors.
//
// Types and their params (defaults in brackets):
//
//   - "mse": masked mean squared error of the outputs, weighted by the
//     batch's per-(trial, step, output) mask: Σ m·(y − ŷ)² / Σ m. No params.
//   - "cross_entropy": softmax cross-entropy over the choice outputs, at the
//     (trial, step) rows where the mask is > 0 on a choice output. params:
//     "outputs" (required): the indices of the choice outputs (≥ 2,
//     distinct). The target distribution of a row is the targets on those
//     outputs, clipped at 0 and normalised to sum 1; rows whose choice
//     targets sum to 0 are not counted. Rows are weighted by the largest
//     mask value among the choice outputs.
//   - "fr": firing rate toward 0 (nn4n's FiringRateLoss): the mean rate of
//     each neuron over trials and steps, then the mean of its square ("l2")
//     or absolute value ("l1"). params: "metric" ["l2"].
//   - "fr_dist": spread of the neurons' mean rates (nn4n's
//     FiringRateDistLoss): "sd" (unbiased standard deviation), "cv" (sd /
//     mean), "mean_ad" (mean absolute deviation from the mean), "max_ad"
//     (largest absolute deviation). params: "metric" ["sd"]. A 1e-12 is
//     added under the square root of "sd" and "cv" so that equal rates do
//     not give an infinite gradient.
//   - "weight_l1", "weight_l2": mean |W_eff| or mean W_eff² of the effective
//     weights (as PsychRNN; nn4n sums norms instead). params: "layer"
//     ["all"]: "input", "hidden", "readout" or "all" (the sum of the three
//     layer means).
//   - "state_pred": state prediction (nn4n's StatePredictionLoss): the mean
//     of (r_t − r_{t+τ})² over trials, steps t < T−τ and neurons, pulling
//     each firing-rate vector toward the one τ steps later. params: "tau"
//     [1], an integer ≥ 1 smaller than the batch's steps. (nn4n's code
//     slices the batch axis after making it first, which looks like a bug;
//     dale shifts along time.)
type LossSpec struct {
	Type string `json:"type"`
	// Lambda is the term's weight in the total loss (0 → 1; must be ≥ 0).
	Lambda float64 `json:"lambda,omitempty"`
	// Params are the type's parameters, listed above.
	Params map[string]any `json:"params,omitempty"`
	// Name is the term's column in history.csv and its key in results;
	// empty means a name made from the type and its main parameter
	// ("mse", "fr_l2", "weight_l1_hidden", ...). Lower-case letters, digits
	// and underscores.
	Name string `json:"name,omitempty"`
}

// UnmarshalJSON decodes a spec, rejecting unknown keys.
func (s *LossSpec) UnmarshalJSON(b []byte) error {
	type plain LossSpec
	var p plain
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&p); err != nil {
		return fmt.Errorf("loss spec: %v (allowed keys: type, lambda, params, name)", err)
	}
	*s = LossSpec(p)
	return nil
}

// lossTypes lists the allowed types and their allowed params.
var lossTypes = map[string][]string{
	"mse":           nil,
	"cross_entropy": {"outputs"},
	"fr":            {"metric"},
	"fr_dist":       {"metric"},
	"weight_l1":     {"layer"},
	"weight_l2":     {"layer"},
	"state_pred":    {"tau"},
}

func lossTypeNames() string {
	var n []string
	for k := range lossTypes {
		n = append(n, k)
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// lossDef is a validated LossSpec.
type lossDef struct {
	typ     string
	name    string
	lambda  float64
	metric  string // fr, fr_dist
	layer   string // weight_*
	tau     int    // state_pred
	outputs []int  // cross_entropy
}

var reservedColumns = map[string]bool{"step": true, "total": true, "accuracy": true, "lr": true, "wall_s": true,
	"eval_mse": true, "stage": true, "grad_norm": true}

var nameRE = regexp.MustCompile(`^[a-z0-9_]+$`)

// parseLosses validates the specs (nil or empty → masked MSE, λ = 1)
// against a model with out readout channels (0: not known yet, output
// indices are then only checked to be >= 0).
func parseLosses(specs []LossSpec, out int) ([]lossDef, error) {
	if len(specs) == 0 {
		specs = []LossSpec{{Type: "mse"}}
	}
	var defs []lossDef
	seen := map[string]bool{}
	for i, s := range specs {
		field := fmt.Sprintf("train: losses[%d]", i)
		allowed, ok := lossTypes[s.Type]
		if !ok {
			return nil, fmt.Errorf("%s.type = %q is not allowed: must be one of %s", field, s.Type, lossTypeNames())
		}
		d := lossDef{typ: s.Type, lambda: s.Lambda}
		if d.lambda == 0 {
			d.lambda = 1
		}
		if !(d.lambda >= 0) || math.IsInf(d.lambda, 0) {
			return nil, fmt.Errorf("%s.lambda = %v is not allowed: must be finite and >= 0", field, s.Lambda)
		}
		for k := range s.Params {
			found := false
			for _, a := range allowed {
				found = found || a == k
			}
			if !found {
				what := "none"
				if len(allowed) > 0 {
					what = strings.Join(allowed, ", ")
				}
				return nil, fmt.Errorf("%s.params.%s is not allowed for type %q: allowed params: %s", field, k, s.Type, what)
			}
		}
		str := func(key, def string, choices ...string) (string, error) {
			v, ok := s.Params[key]
			if !ok {
				return def, nil
			}
			sv, isStr := v.(string)
			for _, c := range choices {
				if isStr && sv == c {
					return sv, nil
				}
			}
			return "", fmt.Errorf("%s.params.%s = %s is not allowed: must be one of %s", field, key, jsonText(v), strings.Join(choices, ", "))
		}
		var err error
		switch s.Type {
		case "mse":
			d.name = "mse"
		case "fr":
			d.metric, err = str("metric", "l2", "l1", "l2")
			d.name = "fr_" + d.metric
		case "fr_dist":
			d.metric, err = str("metric", "sd", "sd", "cv", "mean_ad", "max_ad")
			d.name = "fr_dist_" + d.metric
		case "weight_l1", "weight_l2":
			d.layer, err = str("layer", "all", "input", "hidden", "readout", "all")
			d.name = s.Type + "_" + d.layer
		case "state_pred":
			d.tau = 1
			if v, ok := s.Params["tau"]; ok {
				f, isNum := v.(float64)
				if !isNum || f != math.Trunc(f) || f < 1 || f > 1e6 {
					err = fmt.Errorf("%s.params.tau = %s is not allowed: must be an integer >= 1", field, jsonText(v))
				}
				d.tau = int(f)
			}
			d.name = "state_pred"
		case "cross_entropy":
			d.name = "cross_entropy"
			v, ok := s.Params["outputs"]
			if !ok {
				return nil, fmt.Errorf("%s.params.outputs is missing: cross_entropy needs the indices of the choice outputs (at least 2, each in [0, %d))", field, out)
			}
			list, isList := v.([]any)
			if !isList {
				if ints, ok := v.([]int); ok { // set from Go
					for _, x := range ints {
						list = append(list, float64(x))
					}
					isList = true
				}
			}
			bad := func() error {
				if out == 0 {
					return fmt.Errorf("%s.params.outputs = %s is not allowed: must be a list of at least 2 distinct output indices", field, jsonText(v))
				}
				return fmt.Errorf("%s.params.outputs = %s is not allowed: must be a list of at least 2 distinct output indices in [0, %d)", field, jsonText(v), out)
			}
			if !isList || len(list) < 2 {
				return nil, bad()
			}
			used := map[int]bool{}
			for _, x := range list {
				f, isNum := x.(float64)
				if !isNum || f != math.Trunc(f) || f < 0 || (out > 0 && f >= float64(out)) || f > 1e9 || used[int(f)] {
					return nil, bad()
				}
				used[int(f)] = true
				d.outputs = append(d.outputs, int(f))
			}
		}
		if err != nil {
			return nil, err
		}
		if s.Name != "" {
			if !nameRE.MatchString(s.Name) || reservedColumns[s.Name] {
				return nil, fmt.Errorf("%s.name = %q is not allowed: must be lower-case letters, digits and _, and not one of step, total, accuracy, lr, wall_s, eval_mse, stage, grad_norm", field, s.Name)
			}
			d.name = s.Name
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
	wrap := func(d lossDef, err error) error { return fmt.Errorf("train: loss %q: build: %w", d.name, err) }

	// Shared leaves.
	var targets, maskW *G.Node
	var meanRates *G.Node
	for i, d := range defs {
		var term *G.Node
		var err error
		switch d.typ {
		case "mse":
			if targets == nil {
				var tv, mv *tensor.Dense
				targets, tv = leaf(g, dt, "loss_targets", b, t, out)
				maskW, mv = leaf(g, dt, "loss_mse_weights", b, t, out)
				wbuf := make([]float64, b*t*out)
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
			term, err = mseNode(ln.Outputs, targets, maskW)
		case "cross_entropy":
			term, err = crossEntropy(g, lg, ln.Outputs, d, i, b, t, out)
		case "fr", "fr_dist":
			if meanRates == nil {
				r2, err2 := G.Reshape(ln.Rates, tensor.Shape{b * t, n})
				if err2 != nil {
					return nil, wrap(d, err2)
				}
				if meanRates, err2 = G.Mean(r2, 0); err2 != nil {
					return nil, wrap(d, err2)
				}
			}
			if d.typ == "fr" {
				term, err = frNode(meanRates, d.metric)
			} else {
				term, err = frDistNode(meanRates, d.metric, n)
			}
		case "weight_l1", "weight_l2":
			var ws []*G.Node
			switch d.layer {
			case "input":
				ws = []*G.Node{ln.WIn}
			case "hidden":
				ws = []*G.Node{ln.WRec}
			case "readout":
				ws = []*G.Node{ln.WOut}
			default:
				ws = []*G.Node{ln.WIn, ln.WRec, ln.WOut}
			}
			term, err = weightNode(ws, d.typ == "weight_l1")
		case "state_pred":
			if d.tau >= t {
				return nil, fmt.Errorf("train: loss %q: tau = %d is not allowed for batches of %d steps: must be < steps", d.name, d.tau, t)
			}
			term, err = statePred(g, ln.Rates, d.tau, i, b, t, n)
		}
		if err != nil {
			return nil, wrap(d, err)
		}
		lg.terms = append(lg.terms, term)
		weighted := term
		if d.lambda != 1 {
			if weighted, err = G.Mul(term, scalarConst(dt, d.lambda)); err != nil {
				return nil, wrap(d, err)
			}
		}
		if lg.total == nil {
			lg.total = weighted
		} else if lg.total, err = G.Add(lg.total, weighted); err != nil {
			return nil, wrap(d, err)
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
func crossEntropy(g *G.ExprGraph, lg *lossGraph, y *G.Node, d lossDef, idx, b, t, out int) (*G.Node, error) {
	dt, c := lg.dtype, len(d.outputs)
	sel, sv := leaf(g, dt, fmt.Sprintf("loss%d_ce_select", idx), out, c)
	s := make([]float64, out*c)
	for j, o := range d.outputs {
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
	wrow, wv := leaf(g, dt, fmt.Sprintf("loss%d_ce_rows", idx), b*t)
	qw, qv := leaf(g, dt, fmt.Sprintf("loss%d_ce_targets", idx), b*t, c)
	wbuf, qbuf := make([]float64, b*t), make([]float64, b*t*c)
	lg.fills = append(lg.fills, func(bt *batch.Batch) {
		var total float64
		for r := range b * t {
			var w, q float64
			for _, o := range d.outputs {
				w = max(w, float64(bt.Mask[r*out+o]))
				q += max(0, float64(bt.Targets[r*out+o]))
			}
			if q == 0 {
				w = 0
			}
			wbuf[r] = w
			total += w
			for j, o := range d.outputs {
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
func statePred(g *G.ExprGraph, r *G.Node, tau, idx, b, t, n int) (*G.Node, error) {
	dt := r.Dtype()
	rt, err := G.Transpose(r, 0, 2, 1)
	if err != nil {
		return nil, err
	}
	r2, err := G.Reshape(rt, tensor.Shape{b * n, t})
	if err != nil {
		return nil, err
	}
	dn, dv := leaf(g, dt, fmt.Sprintf("loss%d_state_shift", idx), t, t-tau)
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
