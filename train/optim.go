package train

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/dale-rnn/dale/config"
)

// Optimizer is an update rule with its settings, as a value: the built-ins
// Adam, SGD and RMSProp, or a type of your own (Options.Optimizer; nil →
// Adam{}). New makes the state of one run, so one value may serve any
// number of runs.
//
// To be named in JSON options, an optimiser type is registered with
// RegisterOptimizer under the name its Type method returns; its JSON form
// is {"type": name, ...} with the keys json.Marshal writes for the value,
// which the decoder given to RegisterOptimizer must read back. Checkpoints
// record the type, and Resume refuses another.
type Optimizer interface {
	// Type is the name the optimiser is registered under: the "type" of
	// its JSON form ("adam", "sgd", "rmsprop").
	Type() string
	// LearningRate is the base learning rate, which Options.Schedule
	// scales over the run (finite and > 0).
	LearningRate() float64
	// New returns the state for parameters with the given names and
	// numbers of elements (sizes), all zero as at the start of a run.
	New(names []string, sizes []int) (OptimizerState, error)
}

// OptimizerState is an optimiser's state during one run (moments, step
// count). It keeps it in float64 (or int64), whatever the model's dtype,
// so that a checkpoint saves it and Resume restores it bit for bit.
type OptimizerState interface {
	// Begin starts a new step (Adam's bias corrections count steps).
	Begin()
	// Update writes the update Δw of elements [lo, lo+len(g)) of
	// parameter i, computed from the gradient scale·g at learning rate lr,
	// into delta (same length as g); the trainer applies w ← w + p·Δw.
	// Elements must be independent: the trainer updates disjoint ranges
	// of a parameter concurrently, and in blocks.
	Update(i, lo int, g []float64, scale, lr float64, delta []float64)
	// Save returns the state to store in a checkpoint. Names must be
	// distinct; the trainer stores them prefixed with "train_opt_".
	Save() []StateArray
	// Restore sets the state from a checkpoint's arrays, by the names
	// Save gave them.
	Restore(arrays map[string]StateArray) error
}

// StateArray is one named array of optimiser state in a checkpoint: either
// Float64 or Int64 values.
type StateArray struct {
	Name    string
	Float64 []float64
	Int64   []int64
}

// Adam is PyTorch's Adam (no weight decay, no amsgrad), the default. JSON
// type "adam", keys lr, beta1, beta2, eps.
type Adam struct {
	// LR is the base learning rate (0 → 1e-3).
	LR float64 `json:"lr"`
	// Beta1 and Beta2 are the moment decays, in [0, 1) (nil → 0.9,
	// 0.999; 0 is a setting of its own, so they are pointers:
	// Adam{Beta1: new(0.0)} is Adam without momentum).
	Beta1 *float64 `json:"beta1,omitempty"`
	Beta2 *float64 `json:"beta2,omitempty"`
	// Eps is the denominator offset, > 0 (0 → 1e-8).
	Eps float64 `json:"eps"`
}

// SGD is stochastic gradient descent with optional (PyTorch) momentum:
// buf ← μ·buf + g, Δ = −lr·buf. JSON type "sgd", keys lr, momentum.
type SGD struct {
	// LR is the base learning rate (0 → 1e-3).
	LR float64 `json:"lr"`
	// Momentum is μ, in [0, 1) (0 → none).
	Momentum float64 `json:"momentum"`
}

// RMSProp is PyTorch's RMSprop (not centred): v ← α·v + (1−α)·g²,
// Δ = −lr·g/(√v + ε), with optional momentum on g/(√v + ε). JSON type
// "rmsprop", keys lr, alpha, eps, momentum.
type RMSProp struct {
	// LR is the base learning rate (0 → 1e-3).
	LR float64 `json:"lr"`
	// Alpha is the smoothing constant α, in [0, 1) (nil → 0.99; a
	// pointer, as 0 is a setting of its own).
	Alpha *float64 `json:"alpha,omitempty"`
	// Eps is ε, > 0 (0 → 1e-8).
	Eps float64 `json:"eps"`
	// Momentum is the momentum, in [0, 1) (0 → none).
	Momentum float64 `json:"momentum"`
}

func (Adam) Type() string    { return "adam" }
func (SGD) Type() string     { return "sgd" }
func (RMSProp) Type() string { return "rmsprop" }

func (o Adam) LearningRate() float64    { return orDefault(o.LR, 1e-3) }
func (o SGD) LearningRate() float64     { return orDefault(o.LR, 1e-3) }
func (o RMSProp) LearningRate() float64 { return orDefault(o.LR, 1e-3) }

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// ptrOr returns *p, or def when p is nil.
func ptrOr(p *float64, def float64) *float64 {
	if p == nil {
		return &def
	}
	v := *p
	return &v
}

// defaulter is implemented by the built-in optimisers: their value with
// every zero field replaced by its default (Options.WithDefaults).
type defaulter interface {
	withDefaults() Optimizer
}

func (o Adam) withDefaults() Optimizer {
	return Adam{LR: o.LearningRate(), Beta1: ptrOr(o.Beta1, 0.9), Beta2: ptrOr(o.Beta2, 0.999), Eps: orDefault(o.Eps, 1e-8)}
}

func (o SGD) withDefaults() Optimizer { return SGD{LR: o.LearningRate(), Momentum: o.Momentum} }

func (o RMSProp) withDefaults() Optimizer {
	return RMSProp{LR: o.LearningRate(), Alpha: ptrOr(o.Alpha, 0.99), Eps: orDefault(o.Eps, 1e-8), Momentum: o.Momentum}
}

// optSettings are the settings of the built-in optimisers under their
// JSON keys, with defaults; each one's JSON form may hold the keys of all
// three (configurations and checkpoints written before the types were
// split hold them all), and all are checked.
type optSettings struct {
	LR, Eps, Momentum   float64
	Beta1, Beta2, Alpha *float64 // nil: the default
}

var optKeys = []string{"lr", "beta1", "beta2", "eps", "momentum", "alpha"}

func (c optSettings) check() error {
	pos := func(name string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return config.Errorf("%s = %v is not allowed: must be finite and > 0", name, v)
		}
		return nil
	}
	unit := func(name string, p *float64) error {
		if p != nil && !(*p >= 0 && *p < 1) {
			return config.Errorf("%s = %v is not allowed: must be in [0, 1)", name, *p)
		}
		return nil
	}
	c.LR, c.Eps = orDefault(c.LR, 1e-3), orDefault(c.Eps, 1e-8)
	for _, err := range []error{pos("lr", c.LR), pos("eps", c.Eps), unit("beta1", c.Beta1), unit("beta2", c.Beta2),
		unit("momentum", &c.Momentum), unit("alpha", c.Alpha)} {
		if err != nil {
			return err
		}
	}
	return nil
}

func (o Adam) check(int) error {
	return optSettings{LR: o.LR, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps}.check()
}
func (o SGD) check(int) error { return optSettings{LR: o.LR, Momentum: o.Momentum}.check() }
func (o RMSProp) check(int) error {
	return optSettings{LR: o.LR, Alpha: o.Alpha, Eps: o.Eps, Momentum: o.Momentum}.check()
}

// decodeOptSettings reads the JSON keys of the built-in optimisers.
func decodeOptSettings(raw json.RawMessage) (optSettings, error) {
	var c optSettings
	if isEmptyJSON(raw) {
		return c, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return c, config.Errorf(" = %s is not allowed: must be a JSON object", bytes.TrimSpace(raw))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b1, b2, alpha float64
	dst := map[string]*float64{"lr": &c.LR, "beta1": &b1, "beta2": &b2, "eps": &c.Eps, "momentum": &c.Momentum, "alpha": &alpha}
	// lr and eps stand for their defaults when 0 in Go; a 0 given in JSON
	// is not reinterpreted, so it is refused.
	zeroDefault := map[string]string{"lr": "1e-3", "eps": "1e-8"}
	for _, k := range keys {
		p, ok := dst[k]
		if !ok {
			return c, config.Errorf("%s = %s is not allowed: unknown field %q (allowed: %s)", k, m[k], k, strings.Join(optKeys, ", "))
		}
		if err := json.Unmarshal(m[k], p); err != nil || string(bytes.TrimSpace(m[k])) == "null" {
			return c, config.Errorf("%s = %s is not allowed: must be a number", k, m[k])
		}
		if def, ok := zeroDefault[k]; ok && *p == 0 {
			return c, config.Errorf("%s = %s is not allowed: must be > 0 (leave %s out for the default, %s)", k, bytes.TrimSpace(m[k]), k, def)
		}
		switch k {
		case "beta1":
			c.Beta1 = &b1
		case "beta2":
			c.Beta2 = &b2
		case "alpha":
			c.Alpha = &alpha
		}
	}
	return c, c.check()
}

// RegisterOptimizer makes the optimiser type name usable in the JSON form
// of Options.Optimizer: decode turns the JSON object less its "type" key
// into the Optimizer, whose Type must return name. An error decode returns
// is reported after "train: optimizer.", so it should start with the key's
// name: `lr = -1 is not allowed: must be > 0`. The built-in types are
// registered already; name must be lower-case letters, digits and _, and
// registering a name twice is an error. Register from an init function or
// before decoding options; it is safe for concurrent use.
func RegisterOptimizer(name string, decode func(params json.RawMessage) (Optimizer, error)) error {
	return optRegistry.add(name, decode)
}

var optRegistry = &registry[Optimizer]{kind: "optimizer", register: "RegisterOptimizer"}

func init() {
	for _, r := range []struct {
		name string
		mk   func(optSettings) Optimizer
	}{
		{"adam", func(c optSettings) Optimizer { return Adam{LR: c.LR, Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps} }},
		{"sgd", func(c optSettings) Optimizer { return SGD{LR: c.LR, Momentum: c.Momentum} }},
		{"rmsprop", func(c optSettings) Optimizer {
			return RMSProp{LR: c.LR, Alpha: c.Alpha, Eps: c.Eps, Momentum: c.Momentum}
		}},
	} {
		mk := r.mk
		if err := RegisterOptimizer(r.name, func(raw json.RawMessage) (Optimizer, error) {
			c, err := decodeOptSettings(raw)
			if err != nil {
				return nil, err
			}
			return mk(c), nil
		}); err != nil {
			panic(err) // the built-in names are valid and distinct
		}
	}
}

// decodeOptimizer decodes the JSON form {"type": ..., ...} (null: nil;
// no type: "adam").
func decodeOptimizer(raw json.RawMessage) (Optimizer, error) {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, config.Errorf("train: optimizer = %s is not allowed: must be a JSON object", bytes.TrimSpace(raw))
	}
	typ := "adam"
	if t, ok := m["type"]; ok {
		if err := json.Unmarshal(t, &typ); err != nil {
			return nil, config.Errorf("train: optimizer.type = %s is not allowed: must be one of %s", t, optRegistry.list())
		}
		if typ == "" {
			typ = "adam"
		}
		delete(m, "type")
	}
	dec, ok := optRegistry.lookup(typ)
	if !ok {
		return nil, config.Errorf("train: optimizer.type = %q is not allowed: must be one of %s", typ, optRegistry.list())
	}
	params, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("train: optimizer: %v", err)
	}
	o, err := dec(params)
	if err != nil {
		return nil, paramsErr("train: optimizer", err)
	}
	if o == nil || o.Type() != typ {
		return nil, config.Errorf("train: optimizer.type = %q is not allowed: its decoder returned %T, whose Type is not %q", typ, o, typ)
	}
	return o, nil
}

// marshalOptimizer writes the JSON form of o: {"type": o.Type(), ...the
// keys of json.Marshal(o)}.
func marshalOptimizer(o Optimizer) ([]byte, error) {
	if o == nil {
		return []byte("null"), nil
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("train: optimizer %q: %w", o.Type(), err)
	}
	t, _ := json.Marshal(o.Type())
	b = bytes.TrimSpace(b)
	if isEmptyJSON(b) {
		return []byte(`{"type":` + string(t) + `}`), nil
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("train: optimizer %q: json.Marshal gives %s, not a JSON object", o.Type(), b)
	}
	return append([]byte(`{"type":`+string(t)+`,`), b[1:]...), nil
}

// typedOptimizer marshals its Optimizer in the JSON form.
type typedOptimizer struct{ Optimizer }

func (o typedOptimizer) MarshalJSON() ([]byte, error) { return marshalOptimizer(o.Optimizer) }

// optimizerType reads the type of a JSON form ("adam" when absent).
func optimizerType(raw json.RawMessage) string {
	var p struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(raw, &p)
	if p.Type == "" {
		return "adam"
	}
	return p.Type
}

const optPrefix = "train_opt_"

func alloc(sizes []int) [][]float64 {
	s := make([][]float64, len(sizes))
	for i, n := range sizes {
		s[i] = make([]float64, n)
	}
	return s
}

func checkSizes(names []string, sizes []int) error {
	if len(names) != len(sizes) {
		return fmt.Errorf("train: optimizer: %d names for %d sizes", len(names), len(sizes))
	}
	for i, n := range sizes {
		if n < 0 {
			return config.Errorf("train: optimizer: size of %q = %d is not allowed: must be >= 0", names[i], n)
		}
	}
	return nil
}

// New returns Adam's state (first and second moments, step count).
func (o Adam) New(names []string, sizes []int) (OptimizerState, error) {
	if err := checkSizes(names, sizes); err != nil {
		return nil, err
	}
	return &adam{cfg: o.withDefaults().(Adam), names: names, m: alloc(sizes), v: alloc(sizes)}, nil
}

// New returns SGD's state (the momentum buffers, none without momentum).
func (o SGD) New(names []string, sizes []int) (OptimizerState, error) {
	if err := checkSizes(names, sizes); err != nil {
		return nil, err
	}
	s := &sgd{cfg: o.withDefaults().(SGD), names: names}
	if o.Momentum > 0 {
		s.buf = alloc(sizes)
	}
	return s, nil
}

// New returns RMSProp's state (the squared-gradient averages and the
// momentum buffers).
func (o RMSProp) New(names []string, sizes []int) (OptimizerState, error) {
	if err := checkSizes(names, sizes); err != nil {
		return nil, err
	}
	s := &rmsprop{cfg: o.withDefaults().(RMSProp), names: names, sq: alloc(sizes)}
	if o.Momentum > 0 {
		s.buf = alloc(sizes)
	}
	return s, nil
}

type adam struct {
	cfg          Adam
	names        []string
	m, v         [][]float64
	t            int64
	corr1, corr2 float64
}

func (o *adam) Begin() {
	o.t++
	o.corr1 = 1 - math.Pow(*o.cfg.Beta1, float64(o.t))
	o.corr2 = 1 - math.Pow(*o.cfg.Beta2, float64(o.t))
}

func (o *adam) Update(i, lo int, g []float64, scale, lr float64, delta []float64) {
	b1, b2, eps := *o.cfg.Beta1, *o.cfg.Beta2, o.cfg.Eps
	m, v := o.m[i][lo:lo+len(g)], o.v[i][lo:lo+len(g)]
	delta = delta[:len(g)]
	step := -lr / o.corr1
	inv2 := 1 / math.Sqrt(o.corr2)
	for j, gj := range g {
		gj *= scale
		mj := b1*m[j] + (1-b1)*gj
		vj := b2*v[j] + (1-b2)*gj*gj
		m[j], v[j] = mj, vj
		delta[j] = step * mj / (math.Sqrt(vj)*inv2 + eps)
	}
}

func (o *adam) Save() []StateArray {
	out := []StateArray{{Name: "t", Int64: []int64{o.t}}}
	for i, n := range o.names {
		out = append(out, StateArray{Name: n + "_m", Float64: o.m[i]}, StateArray{Name: n + "_v", Float64: o.v[i]})
	}
	return out
}

func (o *adam) Restore(a map[string]StateArray) error {
	t, err := readCount(a, "t")
	if err != nil {
		return err
	}
	o.t = t
	for i, n := range o.names {
		if err := readInto(a, n+"_m", o.m[i]); err != nil {
			return err
		}
		if err := readInto(a, n+"_v", o.v[i]); err != nil {
			return err
		}
	}
	return nil
}

type sgd struct {
	cfg   SGD
	names []string
	buf   [][]float64
}

func (o *sgd) Begin() {}

func (o *sgd) Update(i, lo int, g []float64, scale, lr float64, delta []float64) {
	if o.buf == nil {
		for j, gj := range g {
			delta[j] = -lr * (gj * scale)
		}
		return
	}
	mu, b := o.cfg.Momentum, o.buf[i][lo:lo+len(g)]
	for j, gj := range g {
		b[j] = mu*b[j] + gj*scale
		delta[j] = -lr * b[j]
	}
}

func (o *sgd) Save() []StateArray {
	var out []StateArray
	if o.buf != nil {
		for i, n := range o.names {
			out = append(out, StateArray{Name: n + "_buf", Float64: o.buf[i]})
		}
	}
	return out
}

func (o *sgd) Restore(a map[string]StateArray) error {
	if o.buf != nil {
		for i, n := range o.names {
			if err := readInto(a, n+"_buf", o.buf[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

type rmsprop struct {
	cfg     RMSProp
	names   []string
	sq, buf [][]float64
}

func (o *rmsprop) Begin() {}

func (o *rmsprop) Update(i, lo int, g []float64, scale, lr float64, delta []float64) {
	a, eps, mu := *o.cfg.Alpha, o.cfg.Eps, o.cfg.Momentum
	sq := o.sq[i][lo : lo+len(g)]
	var b []float64
	if o.buf != nil {
		b = o.buf[i][lo : lo+len(g)]
	}
	for j, gj := range g {
		gj *= scale
		sq[j] = a*sq[j] + (1-a)*gj*gj
		step := gj / (math.Sqrt(sq[j]) + eps)
		if b != nil {
			b[j] = mu*b[j] + step
			step = b[j]
		}
		delta[j] = -lr * step
	}
}

func (o *rmsprop) Save() []StateArray {
	var out []StateArray
	for i, n := range o.names {
		out = append(out, StateArray{Name: n + "_sq", Float64: o.sq[i]})
		if o.buf != nil {
			out = append(out, StateArray{Name: n + "_buf", Float64: o.buf[i]})
		}
	}
	return out
}

func (o *rmsprop) Restore(a map[string]StateArray) error {
	for i, n := range o.names {
		if err := readInto(a, n+"_sq", o.sq[i]); err != nil {
			return err
		}
		if o.buf != nil {
			if err := readInto(a, n+"_buf", o.buf[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func readInto(arrays map[string]StateArray, name string, into []float64) error {
	a, ok := arrays[name]
	if !ok {
		return fmt.Errorf("train: checkpoint lacks optimiser array %q", optPrefix+name)
	}
	if len(a.Float64) != len(into) {
		return fmt.Errorf("train: checkpoint array %q has %d float64 values, want %d", optPrefix+name, len(a.Float64), len(into))
	}
	for i, x := range a.Float64 {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return config.Errorf("train: checkpoint: %s[%d] = %v is not allowed: optimiser state must be finite", optPrefix+name, i, x)
		}
	}
	copy(into, a.Float64)
	return nil
}

func readCount(arrays map[string]StateArray, name string) (int64, error) {
	a, ok := arrays[name]
	if !ok {
		return 0, fmt.Errorf("train: checkpoint lacks array %q", optPrefix+name)
	}
	if len(a.Int64) != 1 || a.Int64[0] < 0 {
		return 0, fmt.Errorf("train: checkpoint array %q must hold one int64 >= 0", optPrefix+name)
	}
	return a.Int64[0], nil
}

// ScheduleConfig scales the learning rate over the run. The zero value keeps
// it constant.
type ScheduleConfig struct {
	// Type is "constant" (default), "step" (multiply by Gamma every
	// StepSize steps), "exponential" (multiply by Gamma every step) or
	// "cosine" (cosine decay from LR to MinLR over the run's Steps).
	Type string `json:"type"`
	// StepSize is the period of "step" (0 → a tenth of the run's steps).
	StepSize int `json:"step_size"`
	// Gamma is the factor of "step" (0 → 0.1) and "exponential" (0 → 0.999).
	Gamma float64 `json:"gamma"`
	// MinLR is the floor of "cosine".
	MinLR float64 `json:"min_lr"`
	// Warmup, when > 0, ramps the rate up linearly over the first Warmup
	// steps (step k gets (k+1)/Warmup of the schedule's rate), with any
	// type. Adam's first steps move every weight by about the learning rate
	// whatever its gradient, which in a recurrent network moves thousands
	// of synapses together; a warmup keeps that move small. Default 0.
	Warmup int `json:"warmup,omitempty"`
}

func (s ScheduleConfig) withDefaults(steps int) ScheduleConfig {
	if s.Type == "" {
		s.Type = "constant"
	}
	switch s.Type {
	case "step":
		if s.StepSize == 0 {
			s.StepSize = max(1, steps/10)
		}
		if s.Gamma == 0 {
			s.Gamma = 0.1
		}
	case "exponential":
		if s.Gamma == 0 {
			s.Gamma = 0.999
		}
	}
	return s
}

func (s ScheduleConfig) validate(lr float64) error {
	types := []string{"constant", "step", "exponential", "cosine"}
	ok := false
	for _, t := range types {
		ok = ok || s.Type == t
	}
	if !ok {
		return config.Errorf("train: schedule.type = %q is not allowed: must be one of %s", s.Type, strings.Join(types, ", "))
	}
	if s.StepSize < 0 {
		return config.Errorf("train: schedule.step_size = %d is not allowed: must be >= 0", s.StepSize)
	}
	if !(s.Gamma >= 0 && s.Gamma <= 1) {
		return config.Errorf("train: schedule.gamma = %v is not allowed: must be in (0, 1]", s.Gamma)
	}
	if s.Warmup < 0 || s.Warmup > 1e9 {
		return config.Errorf("train: schedule.warmup = %d is not allowed: must be a number of steps >= 0", s.Warmup)
	}
	if !(s.MinLR >= 0 && s.MinLR <= lr) {
		return config.Errorf("train: schedule.min_lr = %v is not allowed: must be in [0, lr = %v]", s.MinLR, lr)
	}
	return nil
}

// rate returns the learning rate of step k (0-based) of a run of total steps.
func (s ScheduleConfig) rate(lr float64, k, total int) float64 {
	r := s.decay(lr, k, total)
	if k < s.Warmup {
		r *= float64(k+1) / float64(s.Warmup)
	}
	return r
}

func (s ScheduleConfig) decay(lr float64, k, total int) float64 {
	switch s.Type {
	case "step":
		return lr * math.Pow(s.Gamma, float64(k/s.StepSize))
	case "exponential":
		return lr * math.Pow(s.Gamma, float64(k))
	case "cosine":
		if total <= 1 {
			return lr
		}
		f := float64(min(k, total-1)) / float64(total-1)
		return s.MinLR + (lr-s.MinLR)*(1+math.Cos(math.Pi*f))/2
	}
	return lr
}
