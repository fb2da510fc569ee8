package rnn

import (
	"fmt"
	"math/rand/v2"
	"sync"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/internal/blas"
)

// Mode chooses between training (noise on) and evaluation (noise off).
type Mode int

const (
	// Eval builds a graph without noise.
	Eval Mode = iota
	// Train builds a graph with the pre- and post-activation noise leaves
	// (when the config's noise levels are > 0); SetInputs draws them.
	Train
)

func (m Mode) String() string {
	if m == Train {
		return "train"
	}
	return "eval"
}

// Graph is one model unrolled for a fixed batch size and number of steps:
//
//	X [B,T,In] → reshape [B·T,In] → · W_in_eff + b_rec → reshape [B,T,N] = I  (one affine op)
//	V = recurrence(I, W_rec_eff, alpha, init_state, ξ, η)      (fused or unrolled engine)
//	R = f(V) + η                                              (one op, see graph_ops.go)
//	Y = reshape(R, [B·T,N]) · W_out_eff + b_out → [B,T,Out]   (one affine op over all steps)
//
// A trainer adds its loss nodes to G, calls gorgonia.Grad(loss,
// ParamNodes...) and runs a TapeMachine on G. Node values are valid until
// the next run: a few large intermediate nodes (the input drive and two
// activity gradients) keep their buffers from run to run, so copy what you
// keep. A graph is run by one machine at a time.
type Graph struct {
	G          *G.ExprGraph
	Inputs     *G.Node // [B,T,In] leaf; set with SetInputs
	Outputs    *G.Node // [B,T,Out]
	Rates      *G.Node // [B,T,N]
	Potentials *G.Node // [B,T,N]
	// Effective weights: |W| ⊙ M with dale, W ⊙ |M| without (the raw node
	// itself, or |W|, where a layer has no mask).
	WInEff, WRecEff, WOutEff *G.Node
	// ParamNodes are the leaves of the raw parameters, aligned with
	// Model.Params(); each is bound to its Param's Value.
	ParamNodes []*G.Node
	// PreNoise and PostNoise are the noise leaves ξ and η [B,T,N] (nil when
	// absent: in Eval mode or at noise level 0).
	PreNoise, PostNoise *G.Node

	Batch, Steps int
	Mode         Mode

	model  *Model
	inputs *tensor.Dense
	xi     *tensor.Dense
	eta    *tensor.Dense
}

// gorgoniaBLAS points gorgonia's own matrix products at the BLAS dale's ops
// use (DALE_BLAS: pure Go or OpenBLAS), once, before the first graph is
// built, so every caller — dale train, package run, train.Run, Forward —
// computes with the same BLAS. Code that switches BLAS (blas.Set, in
// benchmarks) calls blas.UseInGorgonia itself.
var gorgoniaBLAS sync.Once

// Build builds a graph for a fixed batch size and number of steps. It
// checks first that the graph fits in the memory left, counting a graph
// in Train mode with its gradients (see [Config.GraphBytes]).
func (m *Model) Build(batch, steps int, mode Mode) (*Graph, error) {
	gorgoniaBLAS.Do(blas.UseInGorgonia)
	if batch <= 0 || steps <= 0 {
		return nil, config.Errorf("rnn: build: batch = %d, steps = %d is not allowed: both must be > 0", batch, steps)
	}
	if d := m.cfg.Dims; batch > maxElements/steps || batch*steps > maxElements/max(d[0], d[1], d[2]) {
		return nil, config.Errorf("rnn: build: batch = %d, steps = %d is not allowed: batch × steps × %d would exceed %d values", batch, steps, max(d[0], d[1], d[2]), maxElements)
	}
	if mode != Train && mode != Eval {
		return nil, config.Errorf("rnn: build: mode = %d is not allowed: must be rnn.Train or rnn.Eval", int(mode))
	}
	if err := memCheck(m.cfg.GraphBytes(batch, steps, mode == Train), fmt.Sprintf("rnn: build: batch = %d, steps = %d", batch, steps)); err != nil {
		return nil, err
	}
	in, n, out := m.cfg.Dims[0], m.cfg.Dims[1], m.cfg.Dims[2]
	g := G.NewGraph()
	gr := &Graph{G: g, Batch: batch, Steps: steps, Mode: mode, model: m}
	wrap := func(what string, err error) error { return fmt.Errorf("rnn: build: %s: %w", what, err) }

	gr.inputs = tensor.New(tensor.Of(m.dtype), tensor.WithShape(batch, steps, in))
	gr.Inputs = G.NewTensor(g, m.dtype, 3, G.WithShape(batch, steps, in), G.WithName("inputs"), G.WithValue(gr.inputs))
	nodes := map[string]*G.Node{}
	for _, p := range m.params {
		s := p.Value.Shape()
		nd := G.NewTensor(g, m.dtype, len(s), G.WithShape(s...), G.WithName(p.Name), G.WithValue(p.Value))
		gr.ParamNodes = append(gr.ParamNodes, nd)
		nodes[p.Name] = nd
	}
	effs, err := m.effectiveNodes(g, nodes[NameWIn], nodes[NameWRec], nodes[NameWOut])
	if err != nil {
		return nil, wrap("effective weights", err)
	}
	gr.WInEff, gr.WRecEff, gr.WOutEff = effs[0], effs[1], effs[2]

	// I = X W_in_eff + b_rec, one product over all steps.
	x2, err := G.Reshape(gr.Inputs, tensor.Shape{batch * steps, in})
	if err != nil {
		return nil, wrap("reshape inputs", err)
	}
	var drive *G.Node
	if b := nodes[NameBRec]; b != nil {
		drive, err = G.ApplyOp(affineOp{m: batch * steps, n: n, k: in, bias: true, buf: &rateBuf{}}, x2, gr.WInEff, b)
	} else {
		drive, err = G.ApplyOp(affineOp{m: batch * steps, n: n, k: in, buf: &rateBuf{}}, x2, gr.WInEff)
	}
	if err != nil {
		return nil, wrap("input drive", err)
	}
	I, err := G.Reshape(drive, tensor.Shape{batch, steps, n})
	if err != nil {
		return nil, wrap("reshape drive", err)
	}

	alpha := nodes[NameAlpha]
	if alpha == nil {
		alpha = m.fixedLeaf(g, "alpha_fixed", m.vector(m.alpha))
	}
	h0 := nodes[NameInitState]
	if h0 == nil {
		h0 = m.fixedLeaf(g, "init_state_zero", m.vector(make([]float64, n)))
	}
	if mode == Train {
		if m.cfg.PreactNoise > 0 {
			gr.xi = tensor.New(tensor.Of(m.dtype), tensor.WithShape(batch, steps, n))
			gr.PreNoise = G.NewTensor(g, m.dtype, 3, G.WithShape(batch, steps, n), G.WithName("preact_noise"), G.WithValue(gr.xi))
		}
		if m.cfg.PostactNoise > 0 {
			gr.eta = tensor.New(tensor.Of(m.dtype), tensor.WithShape(batch, steps, n))
			gr.PostNoise = G.NewTensor(g, m.dtype, 3, G.WithShape(batch, steps, n), G.WithName("postact_noise"), G.WithValue(gr.eta))
		}
	}
	engine := fusedRecurrence
	switch {
	case m.cfg.Engine == EngineUnrolled:
		engine = unrolledRecurrence
	case nodes[NameAlpha] == nil:
		// alpha is fixed: the fused backward can skip dL/dα.
		engine = func(act Activation, I, W, alpha, h0, xi, eta *G.Node) (*G.Node, error) {
			return fusedRecurrenceWith(act, I, W, alpha, h0, xi, eta, false)
		}
	}
	if gr.Potentials, err = engine(m.cfg.Activation, I, gr.WRecEff, alpha, h0, gr.PreNoise, gr.PostNoise); err != nil {
		return nil, wrap(m.cfg.Engine+" recurrence", err)
	}
	rop := ratesOp{act: m.cfg.Activation, noisy: gr.PostNoise != nil, shape: tensor.Shape{batch, steps, n}}
	if rop.noisy {
		gr.Rates, err = G.ApplyOp(rop, gr.Potentials, gr.PostNoise)
	} else {
		gr.Rates, err = G.ApplyOp(rop, gr.Potentials)
	}
	if err != nil {
		return nil, wrap("rates", err)
	}
	r2, err := G.Reshape(gr.Rates, tensor.Shape{batch * steps, n})
	if err != nil {
		return nil, wrap("reshape rates", err)
	}
	var y *G.Node
	if b := nodes[NameBOut]; b != nil {
		y, err = G.ApplyOp(affineOp{m: batch * steps, n: out, k: n, bias: true, diffA: true}, r2, gr.WOutEff, b)
	} else {
		y, err = G.ApplyOp(affineOp{m: batch * steps, n: out, k: n, diffA: true}, r2, gr.WOutEff)
	}
	if err != nil {
		return nil, wrap("readout", err)
	}
	if m.cfg.OutputActivation == OutputSigmoid {
		// dale's own op, as for the rates: gorgonia's Sigmoid node gave
		// gradients that disagree with finite differences in this graph
		// (TestModelFiniteDifferences catches it).
		if y, err = G.ApplyOp(ratesOp{act: Sigmoid, shape: tensor.Shape{batch * steps, out}}, y); err != nil {
			return nil, wrap("output activation", err)
		}
	}
	if gr.Outputs, err = G.Reshape(y, tensor.Shape{batch, steps, out}); err != nil {
		return nil, wrap("reshape outputs", err)
	}
	return gr, nil
}

// effectiveNodes builds W_eff for the three layers from the raw weight
// nodes (see EffectiveNode).
func (m *Model) effectiveNodes(g *G.ExprGraph, raw ...*G.Node) ([3]*G.Node, error) {
	var out [3]*G.Node
	shapes := m.cfg.shapes()
	for i, w := range raw {
		var mask *G.Node
		dale := m.layerDale(i)
		if mk := m.masks[i]; mk != nil {
			vals := mk
			if !dale {
				vals = make([]float64, len(mk))
				for j, v := range mk {
					if v != 0 {
						vals[j] = 1
					}
				}
			}
			mask = m.fixedLeaf(g, "mask_"+layerNames[i], m.matrix(vals, shapes[i][0], shapes[i][1]))
		}
		e, err := EffectiveNode(w, mask, dale)
		if err != nil {
			return out, err
		}
		out[i] = e
	}
	return out, nil
}

// fixedLeaf makes a leaf node bound to a fixed value. Fixed tensors are
// leaves, not gorgonia constants: gorgonia merges constants by name and by a
// printed form of their value, and leaves are identified by their (unique)
// names alone.
func (m *Model) fixedLeaf(g *G.ExprGraph, name string, v *tensor.Dense) *G.Node {
	s := v.Shape()
	return G.NewTensor(g, m.dtype, len(s), G.WithShape(s...), G.WithName(name), G.WithValue(v))
}

// vector and matrix make constant tensors of the model's dtype.
func (m *Model) vector(v []float64) *tensor.Dense { return m.matrix(v, len(v)) }

func (m *Model) matrix(v []float64, shape ...int) *tensor.Dense {
	if m.dtype == tensor.Float64 {
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
	}
	d := make([]float32, len(v))
	for i, x := range v {
		d[i] = float32(x)
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(d))
}

// Model returns the model the graph was built from.
func (g *Graph) Model() *Model { return g.model }

// SetInputs copies x ([B,T,In], row-major) into the input leaf and, in Train
// mode, draws the noise leaves from rng: B·T·N standard normal draws for ξ
// (when preact_noise > 0), then B·T·N for η (when postact_noise > 0), so the
// same rng state gives the same run. rng may be nil when the graph has no
// noise leaves.
func (g *Graph) SetInputs(x []float32, rng *rand.Rand) error {
	d := g.model.cfg.Dims
	want := g.Batch * g.Steps * d[0]
	if len(x) != want {
		return fmt.Errorf("rnn: inputs have %d values, want batch %d × steps %d × inputs %d = %d", len(x), g.Batch, g.Steps, d[0], want)
	}
	in, err := g.leafDense(g.Inputs, &g.inputs)
	if err != nil {
		return err
	}
	switch dst := in.Data().(type) {
	case []float32:
		copy(dst, x)
	case []float64:
		for i, v := range x {
			dst[i] = float64(v)
		}
	}
	if g.PreNoise == nil && g.PostNoise == nil {
		return nil
	}
	if rng == nil {
		return fmt.Errorf("rnn: inputs: the %s graph has noise leaves and needs a *rand.Rand, got nil", g.Mode)
	}
	fill := func(t *tensor.Dense, sd float64) {
		switch dst := t.Data().(type) {
		case []float32:
			for i := range dst {
				dst[i] = float32(rng.NormFloat64() * sd)
			}
		case []float64:
			for i := range dst {
				dst[i] = rng.NormFloat64() * sd
			}
		}
	}
	if g.PreNoise != nil {
		xi, err := g.leafDense(g.PreNoise, &g.xi)
		if err != nil {
			return err
		}
		fill(xi, g.model.cfg.PreactNoise)
	}
	if g.PostNoise != nil {
		eta, err := g.leafDense(g.PostNoise, &g.eta)
		if err != nil {
			return err
		}
		fill(eta, g.model.cfg.PostactNoise)
	}
	return nil
}

// leafDense returns the tensor a leaf is bound to now (a caller may have
// rebound it with gorgonia.Let); when that is not a plain dense tensor of
// the leaf's size, it binds the graph's own tensor back.
func (g *Graph) leafDense(n *G.Node, own **tensor.Dense) (*tensor.Dense, error) {
	if d, ok := n.Value().(*tensor.Dense); ok && !d.IsView() && d.DataSize() == n.Shape().TotalSize() && d.Dtype() == g.model.dtype {
		return d, nil
	}
	if err := G.Let(n, *own); err != nil {
		return nil, fmt.Errorf("rnn: inputs: leaf %s: %w", n.Name(), err)
	}
	return *own, nil
}

// Result is what Forward returns, row-major float32 (converted from float64
// for float64 models).
type Result struct {
	Batch, Steps int
	Outputs      []float32 // [Batch, Steps, Out]
	Rates        []float32 // [Batch, Steps, N]
	Potentials   []float32 // [Batch, Steps, N]
}

// Forward runs the model in Eval mode (no noise) on x ([batch, steps, In],
// row-major) and returns outputs, firing rates and membrane potentials. The
// compiled graph of the last (batch, steps) is kept, so repeated calls with
// one shape do not rebuild it. Forward is safe for concurrent use; it reads
// the parameters as they are when it runs.
func (m *Model) Forward(x []float32, batch, steps int) (*Result, error) {
	m.fwdMu.Lock()
	defer m.fwdMu.Unlock()
	if m.fwd == nil || m.fwd.g.Batch != batch || m.fwd.g.Steps != steps {
		if m.fwd != nil {
			m.fwd.vm.Close()
			m.fwd = nil
		}
		g, err := m.Build(batch, steps, Eval)
		if err != nil {
			return nil, err
		}
		m.fwd = &fwdGraph{g: g, vm: G.NewTapeMachine(g.G)}
	}
	g, vm := m.fwd.g, m.fwd.vm
	if err := g.SetInputs(x, nil); err != nil {
		return nil, err
	}
	defer vm.Reset()
	if err := vm.RunAll(); err != nil {
		return nil, fmt.Errorf("rnn: forward: %w", err)
	}
	res := &Result{Batch: batch, Steps: steps}
	for _, p := range []struct {
		n   *G.Node
		dst *[]float32
	}{{g.Outputs, &res.Outputs}, {g.Rates, &res.Rates}, {g.Potentials, &res.Potentials}} {
		v, err := nodeFloat32(p.n)
		if err != nil {
			return nil, fmt.Errorf("rnn: forward: %w", err)
		}
		*p.dst = v
	}
	return res, nil
}

// fwdGraph is Forward's cached evaluation graph.
type fwdGraph struct {
	g  *Graph
	vm G.VM
}

// Float32s copies the value of node n of a graph out as float32 (after a
// run of its VM; float64 values are converted), such as g.Outputs'.
func Float32s(n *G.Node) ([]float32, error) { return nodeFloat32(n) }

// nodeFloat32 copies a node's value out as float32.
func nodeFloat32(n *G.Node) ([]float32, error) {
	v := n.Value()
	if v == nil {
		return nil, fmt.Errorf("node %s has no value", n.Name())
	}
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("node %s holds a %T, not a tensor", n.Name(), v)
	}
	if d, ok := t.(*tensor.Dense); ok && d.IsMaterializable() {
		t = d.Materialize()
	}
	switch d := t.Data().(type) {
	case []float32:
		return append([]float32(nil), d...), nil
	case []float64:
		o := make([]float32, len(d))
		for i, x := range d {
			o[i] = float32(x)
		}
		return o, nil
	}
	return nil, fmt.Errorf("node %s holds %T data", n.Name(), t.Data())
}

// nodeFloat64 copies a node's value out as float64.
func nodeFloat64(n *G.Node) ([]float64, error) {
	v := n.Value()
	if v == nil {
		return nil, fmt.Errorf("node %s has no value", n.Name())
	}
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("node %s holds a %T, not a tensor", n.Name(), v)
	}
	if d, ok := t.(*tensor.Dense); ok && d.IsMaterializable() {
		t = d.Materialize()
	}
	return toFloat64(t.Data()), nil
}

// effGraph is a small cached graph that computes the effective weights from
// the shared raw parameters.
type effGraph struct {
	vm  G.VM
	eff [3]*G.Node
}

// Effective returns copies of the current effective weights (W_in_eff In×N,
// W_rec_eff N×N, W_out_eff N×Out, (pre, post)), computed by running the same
// graph nodes a forward pass uses. (Should that graph ever fail to run, the
// same elementwise rule is applied in Go, which gives identical values: |w|,
// w·1 and w·0 are exact.)
func (m *Model) Effective() (in, rec, out *tensor.Dense) {
	return m.effective()
}

// EffectiveFloat64 returns the effective weights as Effective does, as
// float64 copies in (pre, post) row-major order: In×N, N×N and N×Out.
func (m *Model) EffectiveFloat64() (in, rec, out []float64) {
	a, b, c := m.effective()
	return toFloat64(a.Data()), toFloat64(b.Data()), toFloat64(c.Data())
}

func (m *Model) effective() (in, rec, out *tensor.Dense) {
	in, rec, out, err := m.effectiveByGraph()
	if err != nil {
		var r [3]*tensor.Dense
		shapes := m.cfg.shapes()
		for i, name := range []string{NameWIn, NameWRec, NameWOut} {
			r[i] = m.matrix(effective(m.byName[name].Float64s(), m.masks[i], m.layerDale(i)), shapes[i][0], shapes[i][1])
		}
		return r[0], r[1], r[2]
	}
	return in, rec, out
}

func (m *Model) effectiveByGraph() (in, rec, out *tensor.Dense, err error) {
	m.effMu.Lock()
	defer m.effMu.Unlock()
	if m.eff == nil {
		g := G.NewGraph()
		var raw []*G.Node
		for _, name := range []string{NameWIn, NameWRec, NameWOut} {
			p := m.byName[name]
			s := p.Value.Shape()
			raw = append(raw, G.NewTensor(g, m.dtype, 2, G.WithShape(s...), G.WithName(name), G.WithValue(p.Value)))
		}
		effs, err := m.effectiveNodes(g, raw...)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("rnn: effective weights: %w", err)
		}
		// Raw nodes without Abs or mask are their own effective weight: copy
		// them through a product with 1 so the result is a fresh tensor.
		for i, e := range effs {
			if e == raw[i] {
				var one *G.Node
				if m.dtype == tensor.Float64 {
					one = G.NewConstant(float64(1))
				} else {
					one = G.NewConstant(float32(1))
				}
				if effs[i], err = G.Mul(e, one); err != nil {
					return nil, nil, nil, fmt.Errorf("rnn: effective weights: %w", err)
				}
			}
		}
		m.eff = &effGraph{vm: G.NewTapeMachine(g), eff: effs}
	}
	if err := m.eff.vm.RunAll(); err != nil {
		return nil, nil, nil, fmt.Errorf("rnn: effective weights: %w", err)
	}
	defer m.eff.vm.Reset()
	var res [3]*tensor.Dense
	for i, e := range m.eff.eff {
		t, ok := e.Value().(*tensor.Dense)
		if !ok {
			return nil, nil, nil, fmt.Errorf("rnn: effective weights: node %s holds a %T", e.Name(), e.Value())
		}
		res[i] = t.Clone().(*tensor.Dense)
		if res[i].IsMaterializable() {
			res[i] = res[i].Materialize().(*tensor.Dense)
		}
	}
	return res[0], res[1], res[2], nil
}
