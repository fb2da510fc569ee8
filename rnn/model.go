package rnn

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/config"
)

// Model is a CTRNN: its configuration, its masks and its raw parameters.
// Graphs built from it share the parameters' backing arrays, so an in-place
// update of a Param's Value is seen by every graph. A Model is not safe for
// concurrent use while its parameters are being written.
type Model struct {
	cfg    Config // validated; Masks holds the masks in use, as given
	dale   bool
	dtype  tensor.Dtype
	masks  [3][]float64 // masks applied in the graph (hidden includes no_self_connections); nil = none
	params []*Param
	byName map[string]*Param
	alpha  []float64 // dt/tau per neuron (initial value of the alpha param when learned)

	effMu sync.Mutex
	eff   *effGraph
	fwdMu sync.Mutex
	fwd   *fwdGraph
}

// Param is one raw trainable parameter.
type Param struct {
	Name string // "w_in", "w_rec", "w_out", "b_rec", "b_out", "alpha", "init_state"
	// Value holds the raw values; every Graph's leaf node for this parameter
	// is bound to this same tensor, so an in-place update by the trainer is
	// seen by every graph.
	Value *tensor.Dense
	// Plasticity is nil for 1 everywhere, else one value in [0, 1] per
	// element (row-major), scaling the training update of that element.
	Plasticity []float64
}

// Shape returns the parameter's shape.
func (p *Param) Shape() []int { return []int(p.Value.Shape().Clone()) }

// Parameter names, in the fixed order of [Model.Params].
const (
	NameWIn       = "w_in"
	NameWRec      = "w_rec"
	NameWOut      = "w_out"
	NameBRec      = "b_rec"
	NameBOut      = "b_out"
	NameAlpha     = "alpha"
	NameInitState = "init_state"
)

// New builds a model from cfg, drawing the initial weights from rng (or, when
// rng is nil, from a generator seeded with cfg.Seed). Files named in cfg
// (.npy weights, biases and plasticity, the .npz masks) are read here; an
// .npy array must have the layer's shape and values that are finite in the
// config's dtype. Before allocating, New checks that the model fits in the
// memory left (an error naming dims otherwise; see [Config.ModelBytes]).
func New(cfg Config, rng *rand.Rand) (*Model, error) {
	cfg = cfg.Clone()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkModelMemory(cfg); err != nil {
		return nil, err
	}
	if rng == nil {
		rng = rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	}
	masks, err := loadMasks(cfg)
	if err != nil {
		return nil, err
	}
	m, err := newModel(cfg, masks)
	if err != nil {
		return nil, err
	}
	shapes := cfg.shapes()
	f32 := cfg.DType != Float64
	var raw [3][]float64
	for i := range raw {
		field := fmt.Sprintf("weights[%d]", i)
		if len(cfg.Weights) == 1 {
			field = "weights"
		}
		if raw[i], err = drawWeights(field, layerEntry(cfg.Weights, i), shapes[i][0], shapes[i][1], f32, rng); err != nil {
			return nil, err
		}
		prepareRaw(raw[i], m.masks[i], m.layerDale(i))
	}
	n := cfg.Dims[1]
	if cfg.EIBalance != "none" && m.dale {
		balanceEI(raw[1], effective(raw[1], m.masks[1], true), n, n, cfg.EIBalance)
	}
	if rb := cfg.ReadoutBalance; rb != "" && rb != "none" && m.dale {
		balanceEI(raw[2], effective(raw[2], m.masks[2], true), n, cfg.Dims[2], rb)
	}
	if cfg.SpectralRadius > 0 {
		rho, err := spectralRadius(effective(raw[1], m.masks[1], m.dale), n)
		if err != nil {
			return nil, err
		}
		if rho == 0 {
			return nil, cfgErr("spectral_radius", cfg.SpectralRadius, "cannot be reached: the effective recurrent matrix is nilpotent or zero (spectral radius 0)")
		}
		s := cfg.SpectralRadius / rho
		for i := range raw[1] {
			raw[1][i] *= s
		}
	}
	for i, name := range []string{NameWIn, NameWRec, NameWOut} {
		m.byName[name].set(raw[i])
	}
	bs := cfg.biasEntries()
	for i, name := range []string{NameBRec, NameBOut} {
		p := m.byName[name]
		if p == nil {
			continue
		}
		field := "biases"
		if len(cfg.Biases) > 1 {
			field = fmt.Sprintf("biases[%d]", i+len(cfg.Biases)-2)
		}
		b, err := drawBias(field, bs[i], p.Value.Shape()[0], n, f32, rng)
		if err != nil {
			return nil, err
		}
		p.set(b)
	}
	// plasticity
	for i, name := range []string{NameWIn, NameWRec, NameWOut} {
		pl := layerEntry(cfg.Plasticity, i)
		field := fmt.Sprintf("plasticity[%d]", i)
		if len(cfg.Plasticity) == 1 {
			field = "plasticity"
		}
		var vals []float64
		switch {
		case pl.Values != nil:
			vals = append([]float64(nil), pl.Values...)
		case pl.File != "":
			if vals, err = readNPYShape(field, pl.File, []int{shapes[i][0], shapes[i][1]}, false, "plasticity values"); err != nil {
				return nil, err
			}
			for j, v := range vals {
				if !(v >= 0 && v <= 1) {
					return nil, config.Invalid("rnn", field, pl.File, "its element %s is %v, and plasticity values must be in [0, 1]", elementIndex(j, shapes[i][:]), v)
				}
			}
		case pl.Value != 1:
			vals = make([]float64, shapes[i][0]*shapes[i][1])
			for j := range vals {
				vals[j] = pl.Value
			}
		}
		m.byName[name].Plasticity = vals
	}
	return m, nil
}

// newModel validates the masks against the dale rule and allocates the
// parameters (all zero; alpha at dt/tau).
func newModel(cfg Config, masks Masks) (*Model, error) {
	m := &Model{cfg: cfg, byName: map[string]*Param{}}
	m.cfg.Masks = masks
	m.dale = masks.underDale(cfg.InputSign).signed()
	if cfg.Dale != nil {
		m.dale = *cfg.Dale
	}
	shapes := cfg.shapes()
	if m.dale {
		if err := checkDale(masks.underDale(cfg.InputSign), shapes); err != nil {
			return nil, err
		}
	}
	m.dtype = tensor.Float32
	if cfg.DType == Float64 {
		m.dtype = tensor.Float64
	}
	m.masks = [3][]float64{cloneF(masks.Input), cloneF(masks.Hidden), cloneF(masks.Readout)}
	n := cfg.Dims[1]
	if m.dale && m.masks[2] == nil && masks.Hidden != nil && signedRows(masks.Hidden) {
		// An inhibitory neuron's readout synapses are inhibitory too: without
		// a readout mask, each neuron's readout row takes the sign of its
		// hidden row (+1 for a neuron without outgoing synapses).
		out := cfg.Dims[2]
		m.masks[2] = make([]float64, n*out)
		for i, exc := range masks.Excitatory(n) {
			s := 1.0
			if !exc {
				s = -1
			}
			for o := 0; o < out; o++ {
				m.masks[2][i*out+o] = s
			}
		}
	}
	if cfg.NoSelfConnections {
		if m.masks[1] == nil {
			m.masks[1] = make([]float64, n*n)
			for i := range m.masks[1] {
				m.masks[1][i] = 1
			}
		}
		for i := 0; i < n; i++ {
			m.masks[1][i*n+i] = 0
		}
	}
	// A mask of all ones changes nothing: drop it so the graph skips the product.
	for i, mk := range m.masks {
		if allOnes(mk) {
			m.masks[i] = nil
		}
	}
	add := func(name string, shape ...int) *Param {
		p := &Param{Name: name, Value: tensor.New(tensor.Of(m.dtype), tensor.WithShape(shape...))}
		m.params = append(m.params, p)
		m.byName[name] = p
		return p
	}
	add(NameWIn, shapes[0][0], shapes[0][1])
	add(NameWRec, n, n)
	add(NameWOut, shapes[2][0], shapes[2][1])
	bs := cfg.biasEntries()
	if bs[0] != "none" {
		add(NameBRec, n)
	}
	if bs[1] != "none" {
		add(NameBOut, cfg.Dims[2])
	}
	m.alpha = cfg.alphas()
	if cfg.LearnAlpha {
		add(NameAlpha, n).set(m.alpha)
	}
	if cfg.InitState == "learn" {
		add(NameInitState, n)
	}
	return m, nil
}

func signedRows(m []float64) bool {
	for _, v := range m {
		if v < 0 {
			return true
		}
	}
	return false
}

func allOnes(m []float64) bool {
	if m == nil {
		return false
	}
	for _, v := range m {
		if v != 1 {
			return false
		}
	}
	return true
}

// set writes float64 values into the parameter (converting to its dtype).
func (p *Param) set(v []float64) {
	switch d := p.Value.Data().(type) {
	case []float32:
		for i, x := range v {
			d[i] = float32(x)
		}
	case []float64:
		copy(d, v)
	}
}

// Float64s returns a copy of the parameter's values as float64.
func (p *Param) Float64s() []float64 { return toFloat64(p.Value.Data()) }

func toFloat64(data any) []float64 {
	switch d := data.(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, x := range d {
			out[i] = float64(x)
		}
		return out
	case []float64:
		return append([]float64(nil), d...)
	}
	return nil
}

// Config returns a copy of the model's configuration; its Masks field holds
// the masks in use.
func (m *Model) Config() Config { return m.cfg.Clone() }

// Params returns the raw trainable parameters in the fixed order w_in, w_rec,
// w_out, b_rec, b_out, alpha (if learn_alpha), init_state (if init_state is
// "learn"); parameters that do not train (biases "none") are absent.
func (m *Model) Params() []*Param { return append([]*Param(nil), m.params...) }

// Param returns the parameter with the given name, or nil when the model has
// none of that name.
func (m *Model) Param(name string) *Param { return m.byName[name] }

// WIn, WRec and WOut return the raw weight tensors (shared, not copies).
func (m *Model) WIn() *tensor.Dense  { return m.byName[NameWIn].Value }
func (m *Model) WRec() *tensor.Dense { return m.byName[NameWRec].Value }
func (m *Model) WOut() *tensor.Dense { return m.byName[NameWOut].Value }

// Dale reports whether the model uses W_eff = |W| ⊙ M (true) or W ⊙ |M|.
// With input_sign "free" the input layer uses W ⊙ |M| even when Dale is
// true (see InputDale).
func (m *Model) Dale() bool { return m.dale }

// InputDale reports whether the input layer follows the dale rule: Dale,
// unless input_sign is "free".
func (m *Model) InputDale() bool { return m.layerDale(0) }

// layerDale reports whether layer i (0 input, 1 recurrent, 2 readout) uses
// W_eff = |W| ⊙ M.
func (m *Model) layerDale(i int) bool { return layerDale(m.dale, m.cfg.InputSign, i) }

// layerDale is the one rule for which layers follow dale: all three, except
// the input layer when input_sign is "free".
func layerDale(dale bool, inputSign string, i int) bool {
	return dale && (i != 0 || inputSign != InputSignFree)
}

// DType returns the model's element type, tensor.Float32 or tensor.Float64.
func (m *Model) DType() tensor.Dtype { return m.dtype }

// Dims returns [input channels, hidden neurons, readout channels].
func (m *Model) Dims() [3]int { return [3]int{m.cfg.Dims[0], m.cfg.Dims[1], m.cfg.Dims[2]} }

// MasksInUse returns the masks applied in the graph, in (pre, post)
// orientation: the configured masks with no_self_connections folded into the
// hidden mask. A layer without a mask has all ones.
func (m *Model) MasksInUse() Masks {
	shapes := m.cfg.shapes()
	get := func(i int) []float64 {
		if m.masks[i] != nil {
			return cloneF(m.masks[i])
		}
		o := make([]float64, shapes[i][0]*shapes[i][1])
		for j := range o {
			o[j] = 1
		}
		return o
	}
	return Masks{Input: get(0), Hidden: get(1), Readout: get(2)}
}

// Alpha returns the current leak per neuron: the learned values when
// learn_alpha, else dt/tau.
func (m *Model) Alpha() []float64 {
	if p := m.byName[NameAlpha]; p != nil {
		return p.Float64s()
	}
	return append([]float64(nil), m.alpha...)
}
