package train

import (
	"fmt"
	"math"
	"strings"

	"github.com/dale-rnn/dale/internal/npz"
)

// OptimizerConfig chooses the optimiser and its settings. The zero value is
// Adam with learning rate 1e-3 and PyTorch's defaults.
type OptimizerConfig struct {
	// Type is "adam" (default), "sgd" or "rmsprop".
	Type string `json:"type"`
	// LR is the base learning rate (0 → 1e-3). A Schedule scales it over
	// the run.
	LR float64 `json:"lr"`
	// Beta1, Beta2 and Eps are Adam's moment decays and denominator offset
	// (0 → 0.9, 0.999, 1e-8). Eps is also RMSProp's offset.
	Beta1 float64 `json:"beta1"`
	Beta2 float64 `json:"beta2"`
	Eps   float64 `json:"eps"`
	// Momentum is the momentum of "sgd" and "rmsprop" (0 → none).
	Momentum float64 `json:"momentum"`
	// Alpha is RMSProp's smoothing constant (0 → 0.99).
	Alpha float64 `json:"alpha"`
}

func (c OptimizerConfig) withDefaults() OptimizerConfig {
	if c.Type == "" {
		c.Type = "adam"
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.999
	}
	if c.Eps == 0 {
		c.Eps = 1e-8
	}
	if c.Alpha == 0 {
		c.Alpha = 0.99
	}
	return c
}

func (c OptimizerConfig) validate() error {
	switch c.Type {
	case "adam", "sgd", "rmsprop":
	default:
		return fmt.Errorf("train: optimizer.type = %q is not allowed: must be one of adam, sgd, rmsprop", c.Type)
	}
	pos := func(name string, v float64) error {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("train: optimizer.%s = %v is not allowed: must be finite and > 0", name, v)
		}
		return nil
	}
	unit := func(name string, v float64) error {
		if !(v >= 0 && v < 1) {
			return fmt.Errorf("train: optimizer.%s = %v is not allowed: must be in [0, 1)", name, v)
		}
		return nil
	}
	for _, err := range []error{pos("lr", c.LR), pos("eps", c.Eps), unit("beta1", c.Beta1), unit("beta2", c.Beta2),
		unit("momentum", c.Momentum), unit("alpha", c.Alpha)} {
		if err != nil {
			return err
		}
	}
	return nil
}

// optimizer computes the update Δw of each parameter from its gradient. It
// keeps its own state (moments, step count) in float64, whatever the
// model's dtype, so that it can be saved and restored bit for bit.
type optimizer interface {
	// begin starts a new step (Adam's bias corrections count steps).
	begin()
	// update writes the update of elements [lo, lo+len(g)) of parameter i,
	// computed from the gradient scale·g at learning rate lr, into delta
	// (same length as g). Elements are independent, so disjoint ranges may
	// be updated concurrently.
	update(i, lo int, g []float64, scale, lr float64, delta []float64)
	// arrays returns the state to store in a checkpoint.
	arrays() []npz.Array
	// restore sets the state from checkpoint arrays.
	restore(arrays map[string]npz.Array) error
}

const optPrefix = "train_opt_"

func newOptimizer(c OptimizerConfig, names []string, sizes []int) optimizer {
	alloc := func() [][]float64 {
		s := make([][]float64, len(sizes))
		for i, n := range sizes {
			s[i] = make([]float64, n)
		}
		return s
	}
	switch c.Type {
	case "sgd":
		o := &sgd{cfg: c, names: names}
		if c.Momentum > 0 {
			o.buf = alloc()
		}
		return o
	case "rmsprop":
		o := &rmsprop{cfg: c, names: names, sq: alloc()}
		if c.Momentum > 0 {
			o.buf = alloc()
		}
		return o
	default:
		return &adam{cfg: c, names: names, m: alloc(), v: alloc()}
	}
}

// adam is PyTorch's Adam (no weight decay, no amsgrad).
type adam struct {
	cfg          OptimizerConfig
	names        []string
	m, v         [][]float64
	t            int64
	corr1, corr2 float64
}

func (o *adam) begin() {
	o.t++
	o.corr1 = 1 - math.Pow(o.cfg.Beta1, float64(o.t))
	o.corr2 = 1 - math.Pow(o.cfg.Beta2, float64(o.t))
}

func (o *adam) update(i, lo int, g []float64, scale, lr float64, delta []float64) {
	b1, b2, eps := o.cfg.Beta1, o.cfg.Beta2, o.cfg.Eps
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

func (o *adam) arrays() []npz.Array {
	out := []npz.Array{{Name: optPrefix + "t", Shape: []int{1}, Data: []int64{o.t}}}
	for i, n := range o.names {
		out = append(out, f64Array(optPrefix+n+"_m", o.m[i]), f64Array(optPrefix+n+"_v", o.v[i]))
	}
	return out
}

func (o *adam) restore(a map[string]npz.Array) error {
	t, err := readCount(a, optPrefix+"t")
	if err != nil {
		return err
	}
	o.t = t
	for i, n := range o.names {
		if err := readInto(a, optPrefix+n+"_m", o.m[i]); err != nil {
			return err
		}
		if err := readInto(a, optPrefix+n+"_v", o.v[i]); err != nil {
			return err
		}
	}
	return nil
}

// sgd is stochastic gradient descent with optional (PyTorch) momentum:
// buf ← μ·buf + g, Δ = −lr·buf.
type sgd struct {
	cfg   OptimizerConfig
	names []string
	buf   [][]float64
}

func (o *sgd) begin() {}

func (o *sgd) update(i, lo int, g []float64, scale, lr float64, delta []float64) {
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

func (o *sgd) arrays() []npz.Array {
	var out []npz.Array
	if o.buf != nil {
		for i, n := range o.names {
			out = append(out, f64Array(optPrefix+n+"_buf", o.buf[i]))
		}
	}
	return out
}

func (o *sgd) restore(a map[string]npz.Array) error {
	if o.buf != nil {
		for i, n := range o.names {
			if err := readInto(a, optPrefix+n+"_buf", o.buf[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// rmsprop is PyTorch's RMSprop (not centred): v ← α·v + (1−α)·g²,
// Δ = −lr·g/(√v + ε), with optional momentum on g/(√v + ε).
type rmsprop struct {
	cfg     OptimizerConfig
	names   []string
	sq, buf [][]float64
}

func (o *rmsprop) begin() {}

func (o *rmsprop) update(i, lo int, g []float64, scale, lr float64, delta []float64) {
	a, eps, mu := o.cfg.Alpha, o.cfg.Eps, o.cfg.Momentum
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

func (o *rmsprop) arrays() []npz.Array {
	var out []npz.Array
	for i, n := range o.names {
		out = append(out, f64Array(optPrefix+n+"_sq", o.sq[i]))
		if o.buf != nil {
			out = append(out, f64Array(optPrefix+n+"_buf", o.buf[i]))
		}
	}
	return out
}

func (o *rmsprop) restore(a map[string]npz.Array) error {
	for i, n := range o.names {
		if err := readInto(a, optPrefix+n+"_sq", o.sq[i]); err != nil {
			return err
		}
		if o.buf != nil {
			if err := readInto(a, optPrefix+n+"_buf", o.buf[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func f64Array(name string, d []float64) npz.Array {
	return npz.Array{Name: name, Shape: []int{len(d)}, Data: append([]float64(nil), d...)}
}

func readInto(arrays map[string]npz.Array, name string, into []float64) error {
	a, ok := arrays[name]
	if !ok {
		return fmt.Errorf("train: checkpoint lacks optimiser array %q", name)
	}
	d, ok := a.Data.([]float64)
	if !ok || len(d) != len(into) {
		return fmt.Errorf("train: checkpoint array %q has %T of %d values, want float64 of %d", name, a.Data, lenAny(a.Data), len(into))
	}
	copy(into, d)
	return nil
}

func readCount(arrays map[string]npz.Array, name string) (int64, error) {
	a, ok := arrays[name]
	if !ok {
		return 0, fmt.Errorf("train: checkpoint lacks array %q", name)
	}
	d, ok := a.Data.([]int64)
	if !ok || len(d) != 1 || d[0] < 0 {
		return 0, fmt.Errorf("train: checkpoint array %q must hold one int64 >= 0", name)
	}
	return d[0], nil
}

func lenAny(d any) int {
	switch d := d.(type) {
	case []float32:
		return len(d)
	case []float64:
		return len(d)
	case []int32:
		return len(d)
	case []int64:
		return len(d)
	case []uint8:
		return len(d)
	}
	return 0
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
		return fmt.Errorf("train: schedule.type = %q is not allowed: must be one of %s", s.Type, strings.Join(types, ", "))
	}
	if s.StepSize < 0 {
		return fmt.Errorf("train: schedule.step_size = %d is not allowed: must be >= 0", s.StepSize)
	}
	if !(s.Gamma >= 0 && s.Gamma <= 1) {
		return fmt.Errorf("train: schedule.gamma = %v is not allowed: must be in (0, 1]", s.Gamma)
	}
	if !(s.MinLR >= 0 && s.MinLR <= lr) {
		return fmt.Errorf("train: schedule.min_lr = %v is not allowed: must be in [0, lr = %v]", s.MinLR, lr)
	}
	return nil
}

// rate returns the learning rate of step k (0-based) of a run of total steps.
func (s ScheduleConfig) rate(lr float64, k, total int) float64 {
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
