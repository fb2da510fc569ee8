package rnn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/dale-rnn/dale/config"
)

// Config describes one CTRNN. Its JSON form uses nn4n's parameter names; a key
// that is not listed here is an error. Every field's default is the value in
// [DefaultConfig]; in JSON an absent key keeps the default.
//
// Orientation: every matrix is (pre, post). The input weights are In×N, the
// recurrent weights N×N and the readout weights N×Out; a row is a sending
// neuron (or input channel), so an inhibitory neuron is a negative row.
//
// Which layers carry biases: the hidden layer (b_rec, length N, added to the
// input drive u_t W_in before the recurrence) and the readout (b_out, length
// Out). nn4n's separate input-layer bias would only add to b_rec, so dale has
// none.
type Config struct {
	// Dims is [input channels, hidden neurons N, readout channels], all > 0.
	// Default [1, 100, 1].
	Dims []int `json:"dims"`

	// Activation is the firing-rate function f: "relu", "tanh", "sigmoid",
	// "retanh" (max(0, tanh v)) or "softplus". Default "relu".
	Activation Activation `json:"activation"`

	// Dt is the integration step and Tau the membrane time constant (same
	// unit, e.g. ms); each neuron's leak is alpha = dt/tau, which must lie in
	// (0, 1]. Tau is one number for every neuron or a list of N values.
	// Defaults dt 10, tau 100 (alpha 0.1).
	Dt  float64 `json:"dt"`
	Tau Floats  `json:"tau"`
	// LearnAlpha makes alpha (one value per neuron, initialised to dt/tau) a
	// trained parameter; the trainer keeps it in [train.MinAlpha, 1].
	// Default false.
	LearnAlpha bool `json:"learn_alpha"`

	// PreactNoise and PostactNoise are the standard deviations of the
	// Gaussian noise added to the membrane potential (xi) and to the firing
	// rate (eta) at every step, in training mode only (never in evaluation).
	// Both ≥ 0. Default 0 (no noise).
	PreactNoise  float64 `json:"preact_noise"`
	PostactNoise float64 `json:"postact_noise"`

	// Weights says how each layer's raw weights start: one entry for all
	// three layers or three entries [input, hidden, readout], each "uniform"
	// (U(−1/√fan_in, 1/√fan_in), nn4n's scaling, fan_in = rows), "normal"
	// (N(0, 1)/√fan_in) or the path of an .npy file of the layer's shape.
	// Default "uniform".
	Weights Strings `json:"weights"`

	// Biases says how b_rec and b_out start: one entry for both, two entries
	// [hidden, readout], or nn4n's three [input, hidden, readout] whose input
	// entry must be "none". Each is "none" (no bias, not trained), "zero",
	// "normal" (N(0,1)/√N), "uniform" (U(−1/√N, 1/√N)) or an .npy path.
	// Default "zero" (trained biases that start at 0).
	Biases Strings `json:"biases"`

	// MaskFile is the path of an .npz holding the connectivity masks under
	// the keys "input" (In×N), "hidden" (N×N) and "readout" (N×Out), as the
	// mask package writes them; a missing key means no mask for that layer,
	// other keys are ignored. Values are −1, 0 or +1. Default "" (no file).
	// Masks set in Go take precedence over the file.
	MaskFile string `json:"masks"`
	// Masks holds masks given as Go arrays (not part of the JSON form;
	// checkpoints store the masks as arrays).
	Masks Masks `json:"-"`

	// Dale chooses the effective-weight rule. true: W_eff = |W| ⊙ M, so each
	// synapse keeps the sign its mask gives (a 0/1 mask then means
	// excitatory-only). false: W_eff = W ⊙ |M| (masks only remove synapses).
	// Default (absent or null): true when any mask has a −1, else false.
	// With dale, a layer without a mask has M = 1 (excitatory-only; inputs
	// are excitatory, as in PsychRNN and pycog, unless InputSign is
	// "free", when the input mask's signs do not count for this default
	// either), except the readout when the hidden mask is signed: then each
	// neuron's readout row takes the sign of its hidden row, so inhibitory
	// neurons stay inhibitory.
	Dale *bool `json:"dale"`

	// InputSign says what sign the input weights take when dale is on.
	// "dale" (default; "" means the same) applies the dale rule to the input
	// layer like the others: without a signed input mask every input weight
	// is excitatory. "free" lets every input weight take either sign,
	// W_in,eff = W_in ⊙ |M_in|, while the recurrent and readout layers keep
	// Dale's law: the input channels (stimuli, rule cues) stand for signals
	// from outside the network, not for its neurons, and a cue can then
	// silence neurons directly instead of only through the inhibitory ones.
	// Without dale every layer is sign-free already and the key changes
	// nothing.
	InputSign string `json:"input_sign"`

	// Plasticity scales the training update of each weight (values in
	// [0, 1]; 0 freezes a synapse, used by the trainer): one entry for all
	// three layers or three [input, hidden, readout], each a number or an
	// .npy path of the layer's shape. Default 1.
	Plasticity Plasticities `json:"plasticity"`

	// EIBalance rescales the effective recurrent matrix at initialisation
	// with nn4n's rule: the larger of the summed excitatory and the summed
	// inhibitory magnitudes is scaled down to the smaller. "global" does it
	// over the whole matrix (exactly nn4n), "neuron" per post-synaptic neuron
	// (column), so every neuron starts with balanced input; "none" turns it
	// off. It acts only where both signs are present (a signed hidden mask
	// with dale). Default "global".
	EIBalance string `json:"ei_balance"`

	// ReadoutBalance applies the same rule to the effective readout matrix
	// at initialisation: "neuron" per readout channel (column), so that
	// every output starts with as much inhibitory as excitatory weight,
	// "global" over the whole matrix, "none" (default) leaves it as drawn.
	// With Dale's law and a signed hidden mask, four fifths of the readout
	// rows are excitatory, so an unbalanced readout starts with every output
	// driven up by the summed excitatory rates (a large initial error that
	// grows with N; a saturated sigmoid output). It acts only where both
	// signs are present. "" means "none".
	ReadoutBalance string `json:"readout_balance"`

	// OutputActivation is applied to the readout: "linear" (default, y =
	// r W_out + b_out; "" means the same) or "sigmoid" (y = σ(r W_out +
	// b_out), Yang et al. 2019's output units, which keep every output in
	// (0, 1)). A sigmoid output passes almost no gradient once it
	// saturates: a relu network whose activity runs away in the first
	// Adam steps can stay stuck there (seen on the Yang tasks, which is
	// why their recipes keep "linear").
	OutputActivation string `json:"output_activation"`

	// SpectralRadius, when > 0, scales the raw recurrent weights (after the
	// E/I balance) so that the effective recurrent matrix has this spectral
	// radius (largest eigenvalue modulus). Default 0: leave as drawn.
	SpectralRadius float64 `json:"spectral_radius"`

	// InitState is "zero" (v_0 = 0) or "learn" (v_0 is a trained vector of N
	// values starting at 0). Default "zero".
	InitState string `json:"init_state"`

	// NoSelfConnections removes the diagonal of the recurrent matrix (it is
	// folded into the hidden mask). Default false.
	NoSelfConnections bool `json:"no_self_connections"`

	// Engine is the recurrence: "fused" (one op over the whole time loop,
	// hand-written backward; fast) or "unrolled" (plain per-step gorgonia
	// graph, the reference). Default "fused".
	Engine string `json:"engine"`

	// DType is "float32" or "float64". Default "float32".
	DType string `json:"dtype"`

	// Seed seeds the initialisation when New is given no *rand.Rand.
	// Default 0.
	Seed uint64 `json:"seed"`
}

// Masks are the three connectivity masks in (pre, post) orientation,
// row-major: Input In×N, Hidden N×N, Readout N×Out. A nil slice means no mask
// for that layer. Entries are −1 (inhibitory synapse), 0 (no synapse) or +1.
type Masks struct {
	Input, Hidden, Readout []float64
}

// MasksOf returns the masks of the given (pre, post) row-major values,
// of either float type (package mask's matrices hold float32): a nil or
// empty slice means no mask for that layer. The values are copied.
func MasksOf[T float32 | float64](input, hidden, readout []T) Masks {
	conv := func(x []T) []float64 {
		if len(x) == 0 {
			return nil
		}
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = float64(v)
		}
		return out
	}
	return Masks{Input: conv(input), Hidden: conv(hidden), Readout: conv(readout)}
}

// Excitatory reports, for each of the n hidden neurons, whether it is
// excitatory: a neuron is inhibitory when its row of the hidden mask (its
// outgoing synapses) holds a −1, as under Dale's rule a neuron has one sign.
// Without a hidden mask every neuron is excitatory.
func (ms Masks) Excitatory(n int) []bool {
	e := make([]bool, n)
	for i := range e {
		e[i] = true
		for j := 0; j < n && ms.Hidden != nil; j++ {
			if ms.Hidden[i*n+j] < 0 {
				e[i] = false
				break
			}
		}
	}
	return e
}

// DefaultConfig returns the defaults documented on each field of [Config].
func DefaultConfig() Config {
	return Config{
		Dims:             []int{1, 100, 1},
		Activation:       ReLU,
		Dt:               10,
		Tau:              Floats{100},
		Weights:          Strings{"uniform"},
		Biases:           Strings{"zero"},
		Plasticity:       Plasticities{{Value: 1}},
		EIBalance:        "global",
		ReadoutBalance:   "none",
		InputSign:        InputSignDale,
		OutputActivation: OutputLinear,
		InitState:        "zero",
		Engine:           "fused",
		DType:            "float32",
	}
}

// Names of the engines and dtypes.
const (
	InputSignDale  = "dale"
	InputSignFree  = "free"
	OutputLinear   = "linear"
	OutputSigmoid  = "sigmoid"
	EngineFused    = "fused"
	EngineUnrolled = "unrolled"
	Float32        = "float32"
	Float64        = "float64"
)

// Floats is a list of numbers whose JSON form may also be a single number.
type Floats []float64

// UnmarshalJSON accepts a number or a list of numbers.
func (f *Floats) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var l []float64
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		*f = l
		return nil
	}
	var x float64
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*f = Floats{x}
	return nil
}

// MarshalJSON writes a single value as a number.
func (f Floats) MarshalJSON() ([]byte, error) {
	if len(f) == 1 {
		return json.Marshal(f[0])
	}
	return json.Marshal([]float64(f))
}

// Strings is a list of strings whose JSON form may also be a single string;
// JSON null stands for "none".
type Strings []string

// UnmarshalJSON accepts a string, null or a list of strings and nulls.
func (s *Strings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var l []*string
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		out := make(Strings, len(l))
		for i, p := range l {
			out[i] = "none"
			if p != nil {
				out[i] = *p
			}
		}
		*s = out
		return nil
	}
	var p *string
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p == nil {
		*s = Strings{"none"}
	} else {
		*s = Strings{*p}
	}
	return nil
}

// MarshalJSON writes a single value as a string.
func (s Strings) MarshalJSON() ([]byte, error) {
	if len(s) == 1 {
		return json.Marshal(s[0])
	}
	return json.Marshal([]string(s))
}

// Plasticity is one layer's plasticity: a single Value for every synapse,
// or an .npy File, or Values given in Go (row-major, the layer's shape).
// Values, then File, take precedence over Value.
type Plasticity struct {
	Value  float64
	File   string
	Values []float64
}

// Plasticities is a list of [Plasticity] whose JSON form may be one entry
// (a number or a path) or a list of them.
type Plasticities []Plasticity

func (p *Plasticity) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = Plasticity{File: s}
		return nil
	}
	var x float64
	if err := json.Unmarshal(b, &x); err != nil {
		return fmt.Errorf("a plasticity entry must be a number in [0, 1] or an .npy path, not %s", b)
	}
	*p = Plasticity{Value: x}
	return nil
}

func (p Plasticity) MarshalJSON() ([]byte, error) {
	if p.File != "" {
		return json.Marshal(p.File)
	}
	return json.Marshal(p.Value)
}

// UnmarshalJSON accepts one entry or a list of entries.
func (ps *Plasticities) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var l []Plasticity
		if err := json.Unmarshal(b, &l); err != nil {
			return err
		}
		*ps = l
		return nil
	}
	var p Plasticity
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*ps = Plasticities{p}
	return nil
}

// MarshalJSON writes a single entry on its own.
func (ps Plasticities) MarshalJSON() ([]byte, error) {
	if len(ps) == 1 {
		return json.Marshal(ps[0])
	}
	return json.Marshal([]Plasticity(ps))
}

// maxConfigBytes bounds a JSON config (weights go in .npy files, not in
// the JSON).
const maxConfigBytes = 64 << 20

// ParseConfig reads a JSON config over the defaults: an absent key takes
// its default, a key given is taken as written. Unknown keys, a key given
// twice and more than 64 MiB are errors.
// Relative file paths stay as written (relative to the working directory).
func ParseConfig(r io.Reader) (Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigBytes+1))
	if err != nil {
		return Config{}, fmt.Errorf("rnn: config: %w", err)
	}
	if len(data) > maxConfigBytes {
		return Config{}, fmt.Errorf("rnn: config: more than %d MiB of JSON", maxConfigBytes>>20)
	}
	cfg, err := decodeConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("rnn: config: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// decodeConfig reads JSON over the defaults strictly: one value, no key
// twice, no unknown key, and keys spelt exactly as the json tags
// (encoding/json would take "DIMS" for "dims", so {"dims": …, "DIMS": …}
// would silently keep the second).
func decodeConfig(data []byte) (Config, error) {
	if err := config.CheckJSON(data); err != nil {
		return Config{}, err
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(data, &keys) == nil {
		for k := range keys {
			if configKeys[k] {
				continue
			}
			for tag := range configKeys {
				if strings.EqualFold(k, tag) {
					return Config{}, fmt.Errorf("key %q is not allowed: keys are case-sensitive (the key is %q)", k, tag)
				}
			}
		}
	}
	cfg := DefaultConfig()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// configKeys are the JSON keys of Config.
var configKeys = func() map[string]bool {
	m := map[string]bool{}
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); k != "" && k != "-" {
			m[k] = true
		}
	}
	return m
}()

// LoadConfig reads a JSON config file; relative .npy/.npz paths in it are
// taken relative to the file's directory.
func LoadConfig(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, fmt.Errorf("rnn: config: %w", err)
	}
	defer f.Close()
	cfg, err := ParseConfig(f)
	if err != nil {
		return Config{}, fmt.Errorf("%w (in %s)", err, path)
	}
	cfg.ResolvePaths(filepath.Dir(path))
	return cfg, nil
}

// ResolvePaths takes the relative file paths of c (.npy weights, biases
// and plasticity, the masks .npz) against dir, as LoadConfig does for the
// config file's folder. Absolute paths and keywords stay as they are.
func (c *Config) ResolvePaths(dir string) {
	fix := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	for i, w := range c.Weights {
		if isNPY(w) {
			c.Weights[i] = fix(w)
		}
	}
	for i, b := range c.Biases {
		if isNPY(b) {
			c.Biases[i] = fix(b)
		}
	}
	c.MaskFile = fix(c.MaskFile)
	for i := range c.Plasticity {
		c.Plasticity[i].File = fix(c.Plasticity[i].File)
	}
}

// MarshalIndent returns the config as indented JSON (what checkpoints store).
func (c Config) MarshalIndent() ([]byte, error) {
	return json.MarshalIndent(c, "", "  ")
}

func isNPY(s string) bool { return strings.HasSuffix(strings.ToLower(s), ".npy") }

// Clone returns a deep copy of c.
func (c Config) Clone() Config {
	d := c
	d.Dims = append([]int(nil), c.Dims...)
	d.Tau = append(Floats(nil), c.Tau...)
	d.Weights = append(Strings(nil), c.Weights...)
	d.Biases = append(Strings(nil), c.Biases...)
	d.Plasticity = make(Plasticities, len(c.Plasticity))
	for i, p := range c.Plasticity {
		p.Values = cloneF(p.Values)
		d.Plasticity[i] = p
	}
	d.Masks = Masks{Input: cloneF(c.Masks.Input), Hidden: cloneF(c.Masks.Hidden), Readout: cloneF(c.Masks.Readout)}
	if c.Dale != nil {
		v := *c.Dale
		d.Dale = &v
	}
	return d
}

func cloneF(x []float64) []float64 {
	if x == nil {
		return nil
	}
	return append([]float64(nil), x...)
}

func cfgErr(field string, value any, allowed string) error {
	return &ConfigError{Section: "rnn", Field: field, Value: fmt.Sprint(value), Allowed: allowed}
}

// ConfigError reports one invalid config value: the field's nn4n name (with
// its index for per-layer lists, e.g. "weights[1]"), the value given, as
// text, and what is allowed. Its message reads
// "rnn: FIELD = VALUE is not allowed: ALLOWED". It is config.Error, the
// one error type of every dale config.
type ConfigError = config.Error

// maxElements bounds every array the model allocates (2^31 values), so that
// absurd sizes are an error rather than a crash.
const maxElements = 1 << 31

// layer names in the order input, hidden, readout.
var layerNames = [3]string{"input", "hidden", "readout"}

// shapes returns the weight shapes [input, hidden, readout] for dims.
func (c Config) shapes() [3][2]int {
	in, n, out := c.Dims[0], c.Dims[1], c.Dims[2]
	return [3][2]int{{in, n}, {n, n}, {n, out}}
}

// Validate checks every field without touching the file system. Errors name
// the field, the value and what is allowed.
func (c Config) Validate() error {
	if len(c.Dims) != 3 {
		return cfgErr("dims", fmt.Sprint(c.Dims), "must be [input, hidden, readout], three positive integers")
	}
	for i, d := range c.Dims {
		if d <= 0 {
			return cfgErr(fmt.Sprintf("dims[%d]", i), d, "must be a positive integer")
		}
	}
	n := c.Dims[1]
	for i, sh := range c.shapes() {
		if sh[0] > maxElements/sh[1] {
			return cfgErr("dims", fmt.Sprint(c.Dims), fmt.Sprintf("the %s weights (%d×%d) would have more than %d elements", layerNames[i], sh[0], sh[1], maxElements))
		}
	}
	if err := c.Activation.Validate(); err != nil {
		return fmt.Errorf("rnn: activation: %w", err)
	}
	if !(c.Dt > 0) || math.IsInf(c.Dt, 0) {
		return cfgErr("dt", c.Dt, "must be a finite number > 0")
	}
	if len(c.Tau) != 1 && len(c.Tau) != n {
		return cfgErr("tau", fmt.Sprintf("a list of %d values", len(c.Tau)), fmt.Sprintf("must be one number or a list of dims[1] = %d numbers", n))
	}
	for i, t := range c.Tau {
		if !(t > 0) || math.IsInf(t, 0) {
			return cfgErr(fmt.Sprintf("tau[%d]", i), t, "must be a finite number > 0")
		}
		if c.Dt/t > 1 {
			return cfgErr(fmt.Sprintf("tau[%d]", i), t, fmt.Sprintf("must be ≥ dt = %g (alpha = dt/tau must be in (0, 1])", c.Dt))
		}
	}
	if !(c.PreactNoise >= 0) || math.IsInf(c.PreactNoise, 0) {
		return cfgErr("preact_noise", c.PreactNoise, "must be a finite number ≥ 0")
	}
	if !(c.PostactNoise >= 0) || math.IsInf(c.PostactNoise, 0) {
		return cfgErr("postact_noise", c.PostactNoise, "must be a finite number ≥ 0")
	}
	if len(c.Weights) != 1 && len(c.Weights) != 3 {
		return cfgErr("weights", fmt.Sprintf("a list of %d entries", len(c.Weights)), "must be one entry or three [input, hidden, readout]")
	}
	for i, w := range c.Weights {
		if w != "uniform" && w != "normal" && !isNPY(w) {
			return cfgErr(fmt.Sprintf("weights[%d]", i), fmt.Sprintf("%q", w), `must be "uniform", "normal" or an .npy path`)
		}
	}
	switch len(c.Biases) {
	case 1, 2:
	case 3:
		if c.Biases[0] != "none" {
			return cfgErr("biases[0]", fmt.Sprintf("%q", c.Biases[0]), `must be "none" or null: the input layer has no bias of its own (its bias would only add to the hidden bias, biases[1])`)
		}
	default:
		return cfgErr("biases", fmt.Sprintf("a list of %d entries", len(c.Biases)), "must be one entry, two [hidden, readout] or three [input, hidden, readout]")
	}
	for i, b := range c.Biases {
		switch b {
		case "none", "zero", "normal", "uniform":
		default:
			if !isNPY(b) {
				return cfgErr(fmt.Sprintf("biases[%d]", i), fmt.Sprintf("%q", b), `must be "none", "zero", "normal", "uniform" or an .npy path`)
			}
		}
	}
	if c.MaskFile != "" && !strings.HasSuffix(strings.ToLower(c.MaskFile), ".npz") {
		return cfgErr("masks", fmt.Sprintf("%q", c.MaskFile), "must be the path of an .npz file (keys input, hidden, readout) or empty")
	}
	shapes := c.shapes()
	for i, m := range [3][]float64{c.Masks.Input, c.Masks.Hidden, c.Masks.Readout} {
		if m == nil {
			continue
		}
		if err := checkMask(layerNames[i], m, shapes[i]); err != nil {
			return err
		}
	}
	if len(c.Plasticity) != 1 && len(c.Plasticity) != 3 {
		return cfgErr("plasticity", fmt.Sprintf("a list of %d entries", len(c.Plasticity)), "must be one entry or three [input, hidden, readout]")
	}
	for i, p := range c.Plasticity {
		field := fmt.Sprintf("plasticity[%d]", i)
		switch {
		case p.Values != nil:
			if len(c.Plasticity) == 1 {
				return cfgErr(field, "a Go array", "arrays need one entry per layer: give three entries")
			}
			sh := shapes[i]
			if len(p.Values) != sh[0]*sh[1] {
				return cfgErr(field, fmt.Sprintf("an array of %d values", len(p.Values)), fmt.Sprintf("must have %d×%d = %d values (the %s weights' shape)", sh[0], sh[1], sh[0]*sh[1], layerNames[i]))
			}
			for j, v := range p.Values {
				if !(v >= 0 && v <= 1) {
					return cfgErr(fmt.Sprintf("%s[%d]", field, j), v, "must be in [0, 1]")
				}
			}
		case p.File != "":
			if !isNPY(p.File) {
				return cfgErr(field, fmt.Sprintf("%q", p.File), "must be a number in [0, 1] or an .npy path")
			}
		default:
			if !(p.Value >= 0 && p.Value <= 1) {
				return cfgErr(field, p.Value, "must be in [0, 1]")
			}
		}
	}
	switch c.EIBalance {
	case "none", "global", "neuron":
	default:
		return cfgErr("ei_balance", fmt.Sprintf("%q", c.EIBalance), `must be "none", "global" or "neuron"`)
	}
	switch c.ReadoutBalance {
	case "", "none", "global", "neuron":
	default:
		return cfgErr("readout_balance", fmt.Sprintf("%q", c.ReadoutBalance), `must be "none", "global" or "neuron"`)
	}
	switch c.InputSign {
	case "", InputSignDale, InputSignFree:
	default:
		return cfgErr("input_sign", fmt.Sprintf("%q", c.InputSign), `must be "dale" or "free"`)
	}
	switch c.OutputActivation {
	case "", OutputLinear, OutputSigmoid:
	default:
		return cfgErr("output_activation", fmt.Sprintf("%q", c.OutputActivation), `must be "linear" or "sigmoid"`)
	}
	if !(c.SpectralRadius >= 0) || math.IsInf(c.SpectralRadius, 0) {
		return cfgErr("spectral_radius", c.SpectralRadius, "must be a finite number ≥ 0 (0 leaves the weights as drawn)")
	}
	switch c.InitState {
	case "zero", "learn":
	default:
		return cfgErr("init_state", fmt.Sprintf("%q", c.InitState), `must be "zero" or "learn"`)
	}
	switch c.Engine {
	case EngineFused, EngineUnrolled:
	default:
		return cfgErr("engine", fmt.Sprintf("%q", c.Engine), `must be "fused" or "unrolled"`)
	}
	switch c.DType {
	case Float32, Float64:
	default:
		return cfgErr("dtype", fmt.Sprintf("%q", c.DType), `must be "float32" or "float64"`)
	}
	return nil
}

// checkMask checks one mask's size and values.
func checkMask(layer string, m []float64, shape [2]int) error {
	if len(m) != shape[0]*shape[1] {
		return cfgErr("masks."+layer, fmt.Sprintf("an array of %d values", len(m)), fmt.Sprintf("must have %d×%d = %d values", shape[0], shape[1], shape[0]*shape[1]))
	}
	for i, v := range m {
		if v != -1 && v != 0 && v != 1 {
			return cfgErr(fmt.Sprintf("masks.%s[%d, %d]", layer, i/shape[1], i%shape[1]), v, "must be −1, 0 or +1")
		}
	}
	return nil
}

// alphas returns dt/tau per neuron.
func (c Config) alphas() []float64 {
	n := c.Dims[1]
	a := make([]float64, n)
	for i := range a {
		t := c.Tau[0]
		if len(c.Tau) == n {
			t = c.Tau[i]
		}
		a[i] = c.Dt / t
	}
	return a
}

// layerEntry returns the entry of a one-or-three list for layer i.
func layerEntry[T any](l []T, i int) T {
	if len(l) == 1 {
		return l[0]
	}
	return l[i]
}

// biasEntries returns the [hidden, readout] bias specifications.
func (c Config) biasEntries() [2]string {
	switch len(c.Biases) {
	case 1:
		return [2]string{c.Biases[0], c.Biases[0]}
	case 2:
		return [2]string{c.Biases[0], c.Biases[1]}
	default:
		return [2]string{c.Biases[1], c.Biases[2]}
	}
}
