package tasks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/dale-rnn/dale/config"
)

// DurationKind names the rule a period's duration follows.
type DurationKind string

// The duration rules of NeuroGym.
const (
	DurFixed    DurationKind = "fixed"    // always Value
	DurUniform  DurationKind = "uniform"  // uniform on [Min, Max]
	DurChoice   DurationKind = "choice"   // one of Values, equally likely
	DurTruncExp DurationKind = "truncexp" // exponential of mean Mean, truncated to [Min, Max]
)

// Duration is the rule for a period's duration, in milliseconds. Sampled
// durations are rounded to whole steps of dt (math.Round(ms/dt)).
//
// In JSON a fixed duration is a number (500) and the others are an object
// with one key: {"uniform": [800, 1500]}, {"choice": [400, 800, 1600]} or
// {"truncexp": [600, 300, 3000]} (mean, min, max).
type Duration struct {
	Kind     DurationKind
	Value    float64   // fixed
	Min, Max float64   // uniform, truncexp
	Mean     float64   // truncexp: mean of the untruncated exponential
	Values   []float64 // choice
}

// Fixed returns a duration of ms milliseconds.
func Fixed(ms float64) Duration { return Duration{Kind: DurFixed, Value: ms} }

// Uniform returns a duration uniform on [min, max] milliseconds.
func Uniform(min, max float64) Duration { return Duration{Kind: DurUniform, Min: min, Max: max} }

// Choice returns a duration drawn from the given values (ms), equally likely.
func Choice(ms ...float64) Duration {
	return Duration{Kind: DurChoice, Values: append([]float64(nil), ms...)}
}

// TruncExp returns an exponential duration of the given mean (ms) truncated
// to [min, max] (NeuroGym's truncated_exponential).
func TruncExp(mean, min, max float64) Duration {
	return Duration{Kind: DurTruncExp, Mean: mean, Min: min, Max: max}
}

// Validate reports whether the rule is usable; field names the parameter in
// messages (for example "timing.delay").
func (d Duration) Validate(field string) error {
	bad := func(why string) error {
		return config.Errorf("%s = %s is not allowed: %s", field, d, why)
	}
	finite := func(vs ...float64) bool {
		for _, v := range vs {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				return false
			}
		}
		return true
	}
	switch d.Kind {
	case DurFixed:
		if !finite(d.Value) {
			return bad("must be a finite number of ms >= 0")
		}
	case DurUniform:
		if !finite(d.Min, d.Max) || d.Min > d.Max {
			return bad("uniform needs finite 0 <= min <= max")
		}
	case DurChoice:
		if len(d.Values) == 0 || !finite(d.Values...) {
			return bad("choice needs at least one finite value >= 0")
		}
	case DurTruncExp:
		if !finite(d.Mean, d.Min, d.Max) || d.Mean <= 0 || d.Min > d.Max {
			return bad("truncexp needs finite mean > 0 and 0 <= min <= max")
		}
	default:
		return bad(`the rule must be one of fixed (a number), uniform, choice, truncexp`)
	}
	return nil
}

// Sample draws a duration in ms. A fixed duration draws nothing from rng.
func (d Duration) Sample(rng *rand.Rand) float64 {
	switch d.Kind {
	case DurUniform:
		return d.Min + rng.Float64()*(d.Max-d.Min)
	case DurChoice:
		return d.Values[rng.IntN(len(d.Values))]
	case DurTruncExp:
		// Inverse CDF of the exponential restricted to [Min, Max]: one draw,
		// no rejection loop.
		if d.Min >= d.Max {
			return d.Max
		}
		lo := -math.Expm1(-d.Min / d.Mean)
		hi := -math.Expm1(-d.Max / d.Mean)
		u := lo + rng.Float64()*(hi-lo)
		x := -d.Mean * math.Log1p(-u)
		return math.Min(math.Max(x, d.Min), d.Max)
	default:
		return d.Value
	}
}

// Steps draws a duration and rounds it to whole steps of dt ms.
func (d Duration) Steps(rng *rand.Rand, dt float64) int { return toSteps(d.Sample(rng), dt) }

// MaxMS is the longest duration the rule can give.
func (d Duration) MaxMS() float64 {
	switch d.Kind {
	case DurUniform, DurTruncExp:
		return d.Max
	case DurChoice:
		m := 0.0
		for _, v := range d.Values {
			m = math.Max(m, v)
		}
		return m
	default:
		return d.Value
	}
}

// MeanMS is the expected duration in ms (before rounding).
func (d Duration) MeanMS() float64 {
	switch d.Kind {
	case DurUniform:
		return (d.Min + d.Max) / 2
	case DurChoice:
		s := 0.0
		for _, v := range d.Values {
			s += v
		}
		return s / float64(len(d.Values))
	case DurTruncExp:
		if d.Min >= d.Max {
			return d.Max
		}
		// Mean of an exponential (rate 1/m) restricted to [a, b].
		m, a, b := d.Mean, d.Min, d.Max
		ea, eb := math.Exp(-a/m), math.Exp(-b/m)
		return m + (a*ea-b*eb)/(ea-eb)
	default:
		return d.Value
	}
}

// MaxSteps is the longest duration in steps of dt.
func (d Duration) MaxSteps(dt float64) int { return toSteps(d.MaxMS(), dt) }

func toSteps(ms, dt float64) int { return int(math.Round(ms / dt)) }

// String writes the rule as its JSON form.
func (d Duration) String() string {
	b, err := d.MarshalJSON()
	if err != nil {
		return fmt.Sprintf("%s(?)", d.Kind)
	}
	return string(b)
}

// MarshalJSON writes a fixed duration as a number and the others as a
// one-key object.
func (d Duration) MarshalJSON() ([]byte, error) {
	switch d.Kind {
	case DurFixed, "":
		return []byte(strconv.FormatFloat(d.Value, 'g', -1, 64)), nil
	case DurUniform:
		return json.Marshal(map[string][]float64{"uniform": {d.Min, d.Max}})
	case DurChoice:
		return json.Marshal(map[string][]float64{"choice": d.Values})
	case DurTruncExp:
		return json.Marshal(map[string][]float64{"truncexp": {d.Mean, d.Min, d.Max}})
	}
	return nil, config.Errorf("duration rule %q is not allowed: must be fixed, uniform, choice or truncexp", d.Kind)
}

// UnmarshalJSON reads a number (fixed) or a one-key object (uniform,
// choice, truncexp, fixed).
func (d *Duration) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] != '{' {
		var v float64
		if err := json.Unmarshal(data, &v); err != nil {
			return config.Errorf("duration %s is not allowed: must be a number of ms or an object such as {\"uniform\": [800, 1500]}", data)
		}
		*d = Fixed(v)
		return nil
	}
	var m map[string][]float64
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil || len(m) != 1 {
		return config.Errorf("duration %s is not allowed: must be a number of ms or an object with one key (fixed, uniform, choice, truncexp) holding numbers", data)
	}
	for k, v := range m {
		want := map[string]int{"fixed": 1, "uniform": 2, "truncexp": 3}
		switch k {
		case "fixed", "uniform", "truncexp":
			if len(v) != want[k] {
				return config.Errorf("duration %s is not allowed: %s takes %d numbers (%s)", data, k, want[k],
					map[string]string{"fixed": "ms", "uniform": "min, max", "truncexp": "mean, min, max"}[k])
			}
			switch k {
			case "fixed":
				*d = Fixed(v[0])
			case "uniform":
				*d = Uniform(v[0], v[1])
			default:
				*d = TruncExp(v[0], v[1], v[2])
			}
		case "choice":
			*d = Choice(v...)
		default:
			return config.Errorf("duration rule %q is not allowed: must be one of fixed, uniform, choice, truncexp", k)
		}
	}
	return nil
}
