package train

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	G "gorgonia.org/gorgonia"

	"github.com/dale-rnn/dale/config"
)

// The built-in losses, registered under their Type names. Their JSON
// params are their fields' JSON names; a zero field means the default
// given on it.

// MSE is the masked mean squared error of the outputs, weighted by the
// batch's per-(trial, step, output) mask: Σ m·(y − ŷ)² / Σ m. JSON type
// "mse", no params; name "mse".
type MSE struct{}

// CrossEntropy is the softmax cross-entropy over the choice outputs, at the
// (trial, step) rows where the mask is > 0 on a choice output. The target
// distribution of a row is the targets on those outputs, clipped at 0 and
// normalised to sum 1; rows whose choice targets sum to 0 are not counted.
// Rows are weighted by the largest mask value among the choice outputs.
// JSON type "cross_entropy"; name "cross_entropy".
type CrossEntropy struct {
	// Outputs are the indices of the choice outputs (required: at least
	// 2, distinct, each < the model's outputs).
	Outputs []int `json:"outputs"`
}

// FiringRate pulls firing rates toward 0 (nn4n's FiringRateLoss): the mean
// rate of each neuron over trials and steps, then the mean of its square
// ("l2") or absolute value ("l1"). JSON type "fr"; name "fr_<metric>".
type FiringRate struct {
	// Metric is "l2" or "l1" ("" → "l2").
	Metric string `json:"metric,omitempty"`
}

// FiringRateDist is the spread of the neurons' mean rates (nn4n's
// FiringRateDistLoss): "sd" (unbiased standard deviation), "cv" (sd /
// mean), "mean_ad" (mean absolute deviation from the mean), "max_ad"
// (largest absolute deviation). A 1e-12 is added under the square root of
// "sd" and "cv" so that equal rates do not give an infinite gradient. JSON
// type "fr_dist"; name "fr_dist_<metric>".
type FiringRateDist struct {
	// Metric is "sd", "cv", "mean_ad" or "max_ad" ("" → "sd").
	Metric string `json:"metric,omitempty"`
}

// WeightL1 is the mean |W_eff| of the effective weights (as PsychRNN; nn4n
// sums norms instead). JSON type "weight_l1"; name "weight_l1_<layer>".
type WeightL1 struct {
	// Layer is "input", "hidden", "readout" or "all" (the sum of the
	// three layer means) ("" → "all").
	Layer string `json:"layer,omitempty"`
}

// WeightL2 is WeightL1 with the mean W_eff² instead. JSON type
// "weight_l2"; name "weight_l2_<layer>".
type WeightL2 struct {
	// Layer is as WeightL1's.
	Layer string `json:"layer,omitempty"`
}

// StatePred is state prediction (nn4n's StatePredictionLoss): the mean of
// (r_t − r_{t+τ})² over trials, steps t < T−τ and neurons, pulling each
// firing-rate vector toward the one τ steps later. (nn4n's code slices the
// batch axis after making it first, which looks like a bug; dale shifts
// along time.) JSON type "state_pred"; name "state_pred".
type StatePred struct {
	// Tau is τ, an integer ≥ 1 smaller than the batch's steps (0 → 1).
	Tau int `json:"tau,omitempty"`
}

func (MSE) Type() string            { return "mse" }
func (CrossEntropy) Type() string   { return "cross_entropy" }
func (FiringRate) Type() string     { return "fr" }
func (FiringRateDist) Type() string { return "fr_dist" }
func (WeightL1) Type() string       { return "weight_l1" }
func (WeightL2) Type() string       { return "weight_l2" }
func (StatePred) Type() string      { return "state_pred" }

func (MSE) Name() string          { return "mse" }
func (CrossEntropy) Name() string { return "cross_entropy" }
func (l FiringRate) Name() string { return "fr_" + or(l.Metric, "l2") }
func (l FiringRateDist) Name() string {
	return "fr_dist_" + or(l.Metric, "sd")
}
func (l WeightL1) Name() string { return "weight_l1_" + or(l.Layer, "all") }
func (l WeightL2) Name() string { return "weight_l2_" + or(l.Layer, "all") }
func (StatePred) Name() string  { return "state_pred" }

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var (
	frMetrics     = []string{"l1", "l2"}
	frDistMetrics = []string{"sd", "cv", "mean_ad", "max_ad"}
	layers        = []string{"input", "hidden", "readout", "all"}
)

// oneOf checks an optional string parameter against its choices.
func oneOf(key, v string, choices []string) error {
	if v == "" {
		return nil
	}
	for _, c := range choices {
		if v == c {
			return nil
		}
	}
	return config.Errorf("%s = %s is not allowed: must be one of %s", key, jsonText(v), strings.Join(choices, ", "))
}

func (MSE) check(int) error              { return nil }
func (l FiringRate) check(int) error     { return oneOf("metric", l.Metric, frMetrics) }
func (l FiringRateDist) check(int) error { return oneOf("metric", l.Metric, frDistMetrics) }
func (l WeightL1) check(int) error       { return oneOf("layer", l.Layer, layers) }
func (l WeightL2) check(int) error       { return oneOf("layer", l.Layer, layers) }

func (l StatePred) check(int) error {
	if l.Tau < 0 || l.Tau > 1e6 {
		return config.Errorf("tau = %d is not allowed: must be an integer >= 1", l.Tau)
	}
	return nil
}

func (l CrossEntropy) check(out int) error {
	if l.Outputs == nil {
		return fmt.Errorf("outputs is missing: cross_entropy needs the indices of the choice outputs (at least 2, distinct)")
	}
	bad := func() error {
		if out == 0 {
			return config.Errorf("outputs = %s is not allowed: must be a list of at least 2 distinct output indices", jsonText(l.Outputs))
		}
		return config.Errorf("outputs = %s is not allowed: must be a list of at least 2 distinct output indices in [0, %d)", jsonText(l.Outputs), out)
	}
	if len(l.Outputs) < 2 {
		return bad()
	}
	used := map[int]bool{}
	for _, o := range l.Outputs {
		if o < 0 || (out > 0 && o >= out) || o > 1e9 || used[o] {
			return bad()
		}
		used[o] = true
	}
	return nil
}

func (MSE) Build(in *LossInput) (*G.Node, error) {
	return mseNode(in.Outputs, in.Targets(), in.MaskWeights())
}

func (l CrossEntropy) Build(in *LossInput) (*G.Node, error) {
	if err := l.check(in.Out); err != nil {
		return nil, fmt.Errorf("params.%v", err)
	}
	return crossEntropy(in, l.Outputs)
}

func (l FiringRate) Build(in *LossInput) (*G.Node, error) {
	if err := l.check(0); err != nil {
		return nil, fmt.Errorf("params.%v", err)
	}
	mr, err := in.MeanRates()
	if err != nil {
		return nil, err
	}
	return frNode(mr, or(l.Metric, "l2"))
}

func (l FiringRateDist) Build(in *LossInput) (*G.Node, error) {
	if err := l.check(0); err != nil {
		return nil, fmt.Errorf("params.%v", err)
	}
	mr, err := in.MeanRates()
	if err != nil {
		return nil, err
	}
	return frDistNode(mr, or(l.Metric, "sd"), in.N)
}

func weightLayers(in *LossInput, layer string) []*G.Node {
	switch layer {
	case "input":
		return []*G.Node{in.WIn}
	case "hidden":
		return []*G.Node{in.WRec}
	case "readout":
		return []*G.Node{in.WOut}
	}
	return []*G.Node{in.WIn, in.WRec, in.WOut}
}

func (l WeightL1) Build(in *LossInput) (*G.Node, error) {
	if err := l.check(0); err != nil {
		return nil, fmt.Errorf("params.%v", err)
	}
	return weightNode(weightLayers(in, l.Layer), true)
}

func (l WeightL2) Build(in *LossInput) (*G.Node, error) {
	if err := l.check(0); err != nil {
		return nil, fmt.Errorf("params.%v", err)
	}
	return weightNode(weightLayers(in, l.Layer), false)
}

func (l StatePred) Build(in *LossInput) (*G.Node, error) {
	if err := l.check(0); err != nil {
		return nil, fmt.Errorf("params.%v", err)
	}
	tau := max(1, l.Tau)
	if tau >= in.T {
		return nil, config.Errorf("tau = %d is not allowed for batches of %d steps: must be < steps", tau, in.T)
	}
	return statePred(in, tau)
}

// builtinParams decodes the params of built-in type typ, allowing only
// the given keys.
func builtinParams(typ string, raw json.RawMessage, allowed ...string) (map[string]any, error) {
	m, err := paramMap(raw)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		found := false
		for _, a := range allowed {
			found = found || a == k
		}
		if !found {
			what := "none"
			if len(allowed) > 0 {
				what = strings.Join(allowed, ", ")
			}
			return nil, config.Errorf("%s is not allowed for type %q: allowed params: %s", k, typ, what)
		}
	}
	return m, nil
}

// strParam reads an optional string parameter with the given choices.
func strParam(m map[string]any, key string, choices []string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", nil
	}
	s, isStr := v.(string)
	if !isStr || s == "" {
		return "", config.Errorf("%s = %s is not allowed: must be one of %s", key, jsonText(v), strings.Join(choices, ", "))
	}
	return s, oneOf(key, s, choices)
}

func init() {
	str := func(typ, key string, choices []string, mk func(string) Loss) func(json.RawMessage) (Loss, error) {
		return func(raw json.RawMessage) (Loss, error) {
			m, err := builtinParams(typ, raw, key)
			if err != nil {
				return nil, err
			}
			s, err := strParam(m, key, choices)
			if err != nil {
				return nil, err
			}
			return mk(s), nil
		}
	}
	for _, r := range []struct {
		name   string
		decode func(json.RawMessage) (Loss, error)
	}{
		{"mse", func(raw json.RawMessage) (Loss, error) {
			_, err := builtinParams("mse", raw)
			return MSE{}, err
		}},
		{"cross_entropy", decodeCrossEntropy},
		{"fr", str("fr", "metric", frMetrics, func(s string) Loss { return FiringRate{Metric: s} })},
		{"fr_dist", str("fr_dist", "metric", frDistMetrics, func(s string) Loss { return FiringRateDist{Metric: s} })},
		{"weight_l1", str("weight_l1", "layer", layers, func(s string) Loss { return WeightL1{Layer: s} })},
		{"weight_l2", str("weight_l2", "layer", layers, func(s string) Loss { return WeightL2{Layer: s} })},
		{"state_pred", func(raw json.RawMessage) (Loss, error) {
			m, err := builtinParams("state_pred", raw, "tau")
			if err != nil {
				return nil, err
			}
			var l StatePred
			if v, ok := m["tau"]; ok {
				f, isNum := v.(float64)
				if !isNum || f != math.Trunc(f) || f < 1 || f > 1e6 {
					return nil, config.Errorf("tau = %s is not allowed: must be an integer >= 1", jsonText(v))
				}
				l.Tau = int(f)
			}
			return l, nil
		}},
	} {
		if err := RegisterLoss(r.name, r.decode); err != nil {
			panic(err) // the built-in names are valid and distinct
		}
	}
}

func decodeCrossEntropy(raw json.RawMessage) (Loss, error) {
	m, err := builtinParams("cross_entropy", raw, "outputs")
	if err != nil {
		return nil, err
	}
	v, ok := m["outputs"]
	if !ok {
		return nil, CrossEntropy{}.check(0)
	}
	bad := config.Errorf("outputs = %s is not allowed: must be a list of at least 2 distinct output indices", jsonText(v))
	list, isList := v.([]any)
	if !isList {
		return nil, bad
	}
	l := CrossEntropy{Outputs: []int{}}
	for _, x := range list {
		f, isNum := x.(float64)
		if !isNum || f != math.Trunc(f) || f < 0 || f > 1e9 {
			return nil, bad
		}
		l.Outputs = append(l.Outputs, int(f))
	}
	return l, l.check(0)
}
