package tasks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/config"
)

// Channel is a named group of input or output units. Channels are laid out
// in order: a task whose inputs are [fixation(1), ring(32)] has 33 input
// units, unit 0 being fixation and units 1..32 the ring.
type Channel struct {
	Name string `json:"name"`
	Size int    `json:"size"`
}

// Task generates seeded batches of trials and scores a network's outputs on
// them. Every task of this package is a Task; Sample has exactly the
// signature of train.Source so a Task is a batch source as it is.
type Task interface {
	// Name is the registry name ("pdm", "ctxdm", ...).
	Name() string
	// Description is one line saying what the task tests.
	Description() string
	// Inputs and Outputs list the channels in unit order.
	Inputs() []Channel
	Outputs() []Channel
	// DT is the step in milliseconds.
	DT() float64
	// Sample draws size trials from rng. The same rng state gives the same
	// batch, bit for bit.
	Sample(rng *rand.Rand, size int) (*batch.Batch, error)
	// Score judges outputs ([Size, Steps, Out], row-major) produced on b.
	Score(b *batch.Batch, outputs []float32) (Score, error)
	// Spec returns the name and the fully resolved parameters, such that
	// FromSpec(t.Spec()) builds the same task.
	Spec() Spec
	// Target is the acceptance target the task is judged by: a measure of
	// its Score and the threshold that measure must reach.
	Target() Target
}

// Spec selects a task by name with parameters, as in a JSON config:
// {"name": "pdm", "params": {"coherences": [6.4, 12.8]}}. Parameters left
// out keep their defaults.
type Spec struct {
	Name   string          `json:"name"`
	Params json.RawMessage `json:"params,omitempty"`
}

// Width returns the total number of units of the channels.
func Width(chs []Channel) int {
	n := 0
	for _, c := range chs {
		n += c.Size
	}
	return n
}

// params is implemented by each task's parameter struct.
type params interface {
	common() *Common
	build() (Task, error) // validates and builds
}

type entry struct {
	name     string
	desc     string
	defaults func() params
}

// registry lists the tasks in the order dale tasks prints them.
var registry = append([]entry{
	{"sine", sineDesc, func() params { return DefaultSine() }},
	{"pdm", pdmDesc, func() params { return DefaultPDM() }},
	{"ctxdm", ctxdmDesc, func() params { return DefaultCtxDM() }},
	{"multisensory", msDesc, func() params { return DefaultMultisensory() }},
	{"romo", romoDesc, func() params { return DefaultRomo() }},
	{"dms", dmsDesc, func() params { return DefaultDMS() }},
	{"dmc", dmcDesc, func() params { return DefaultDMC() }},
	{"gonogo", gonogoDesc, func() params { return DefaultGoNoGo() }},
	{"antisaccade", antiDesc, func() params { return DefaultAnti() }},
	{"rsg", rsgDesc, func() params { return DefaultRSG() }},
	{"flipflop", ffDesc, func() params { return DefaultFlipFlop() }},
}, yangEntries()...)

// Names returns the registered task names in registry order.
func Names() []string {
	out := make([]string, len(registry))
	for i, e := range registry {
		out[i] = e.name
	}
	return out
}

// Info describes a registered task with its default parameters.
type Info struct {
	Name        string
	Description string
	Inputs      []Channel
	Outputs     []Channel
	Defaults    Spec
}

// List describes every registered task, in registry order.
func List() []Info {
	out := make([]Info, 0, len(registry))
	for _, e := range registry {
		t, err := e.defaults().build()
		if err != nil { // defaults are tested to build
			panic(fmt.Sprintf("tasks: defaults of %s do not build: %v", e.name, err))
		}
		out = append(out, Info{Name: e.name, Description: e.desc, Inputs: t.Inputs(), Outputs: t.Outputs(), Defaults: t.Spec()})
	}
	return out
}

func lookup(name string) (entry, error) {
	for _, e := range registry {
		if e.name == name {
			return e, nil
		}
	}
	return entry{}, config.Errorf("tasks: task name %q is not allowed: must be one of %s", name, strings.Join(Names(), ", "))
}

// New builds the named task. params is a JSON object of parameters to
// override the defaults (nil or empty: all defaults); several are applied
// in order, each over the result of the ones before, field by field (a
// duration, a list or yang20's rule_probs is replaced whole). Unknown parameters and bad values
// are errors naming the parameter, the value and what is allowed.
func New(name string, params ...json.RawMessage) (Task, error) {
	e, err := lookup(name)
	if err != nil {
		return nil, err
	}
	p := e.defaults()
	for _, layer := range params {
		if raw := bytes.TrimSpace(layer); len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
			if err := decodeStrict(raw, p); err != nil {
				return nil, config.Wrap("tasks: "+name, explain(err, raw, e.defaults()))
			}
		}
	}
	return buildNamed(name, p)
}

// FromSpec builds the task a Spec names.
func FromSpec(s Spec) (Task, error) { return New(s.Name, s.Params) }

// Parse reads a JSON task selection {"name": ..., "params": {...}} and builds
// the task. Unknown keys are errors.
func Parse(data []byte) (Task, error) {
	var s Spec
	if err := decodeStrict(data, &s); err != nil {
		var ue unknownFieldError
		if errors.As(explain(err, data, nil), &ue) {
			return nil, fmt.Errorf("tasks: unknown key %q in task selection; allowed: name, params", ue.field)
		}
		return nil, fmt.Errorf("tasks: task selection is not valid: %v (want {\"name\": \"pdm\", \"params\": {...}})", err)
	}
	if s.Name == "" {
		return nil, fmt.Errorf("tasks: task selection has no name; allowed: %s", strings.Join(Names(), ", "))
	}
	return FromSpec(s)
}

func decodeStrict(data []byte, v any) error {
	if err := config.CheckJSON(data); err != nil {
		return err
	}
	if err := config.ExactKeys(data, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("unexpected data after the JSON object")
	}
	return nil
}

type unknownFieldError struct {
	field   string
	allowed string
}

func (e unknownFieldError) Error() string {
	if e.allowed == "" {
		return fmt.Sprintf("unknown parameter %q", e.field)
	}
	return fmt.Sprintf("unknown parameter %q is not allowed; allowed: %s", e.field, e.allowed)
}

// explain turns a JSON decoding error into one naming the parameter.
func explain(err error, raw []byte, defaults any) error {
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return unknownFieldError{field: strings.Trim(f, `"`), allowed: allowedKeys(defaults)}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "params"
		}
		return config.Errorf("parameter %s = (a JSON %s) is not allowed: must be %s", field, te.Value, jsonKind(te.Type.String()))
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("parameters are not valid JSON at byte %d: %v", se.Offset, err)
	}
	if strings.HasPrefix(msg, "duration") {
		// Find which timing entry failed, to name it.
		var top map[string]json.RawMessage
		if json.Unmarshal(raw, &top) == nil {
			var timing map[string]json.RawMessage
			if json.Unmarshal(top["timing"], &timing) == nil {
				keys := make([]string, 0, len(timing))
				for k := range timing {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					var d Duration
					if e := json.Unmarshal(timing[k], &d); e != nil {
						return fmt.Errorf("parameter timing.%s: %v", k, e)
					}
				}
			}
		}
	}
	return err
}

func jsonKind(goType string) string {
	if strings.HasPrefix(goType, "[") {
		inner := goType[strings.Index(goType, "]")+1:]
		k := jsonKind(inner)
		if i := strings.Index(k, " "); i >= 0 {
			k = k[i+1:]
		}
		return "an array of " + map[string]string{"number": "numbers", "integer": "integers", "string": "strings", "or false": "booleans", "object": "objects"}[k]
	}
	switch {
	case strings.HasPrefix(goType, "float"):
		return "a number"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "an integer"
	case goType == "string" || strings.HasSuffix(goType, "Kind"):
		return "a string"
	case goType == "bool":
		return "true or false"
	}
	return "an object"
}

// allowedKeys lists the JSON keys of a parameter struct (and the keys of
// its timing and mask objects).
func allowedKeys(defaults any) string {
	if defaults == nil {
		return ""
	}
	b, err := json.Marshal(defaults)
	if err != nil {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k, v := range m {
		if k == "timing" || k == "mask" {
			var sub map[string]json.RawMessage
			if json.Unmarshal(v, &sub) == nil {
				sk := make([]string, 0, len(sub))
				for s := range sub {
					sk = append(sk, s)
				}
				sort.Strings(sk)
				k = k + " {" + strings.Join(sk, ", ") + "}"
			}
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// buildNamed builds from a deep copy of p, so that a caller changing its
// parameter values later does not change the task.
func buildNamed(name string, p params) (Task, error) {
	if c, ok := p.(interface{ clone() params }); ok { // values not all in JSON
		p = c.clone()
	} else if data, err := json.Marshal(p); err == nil {
		cp := reflect.New(reflect.TypeOf(p).Elem()).Interface().(params)
		if json.Unmarshal(data, cp) == nil {
			p = cp
		}
	}
	t, err := p.build()
	if err != nil {
		return nil, config.Wrap("tasks: "+name, err)
	}
	return t, nil
}

// Build validates the parameters and builds the task (as New does from
// JSON): p := DefaultPDM(); p.Sigma = 0; task, err := p.Build().
func (p *PDMParams) Build() (Task, error) { return buildNamed("pdm", p) }

// Build validates the parameters and builds the task.
func (p *CtxDMParams) Build() (Task, error) { return buildNamed("ctxdm", p) }

// Build validates the parameters and builds the task.
func (p *MultisensoryParams) Build() (Task, error) { return buildNamed("multisensory", p) }

// Build validates the parameters and builds the task.
func (p *RomoParams) Build() (Task, error) { return buildNamed("romo", p) }

// Build validates the parameters and builds the task.
func (p *DMSParams) Build() (Task, error) { return buildNamed("dms", p) }

// Build validates the parameters and builds the task.
func (p *DMCParams) Build() (Task, error) { return buildNamed("dmc", p) }

// Build validates the parameters and builds the task.
func (p *GoNoGoParams) Build() (Task, error) { return buildNamed("gonogo", p) }

// Build validates the parameters and builds the task.
func (p *AntiParams) Build() (Task, error) { return buildNamed("antisaccade", p) }

// Build validates the parameters and builds the task.
func (p *RSGParams) Build() (Task, error) { return buildNamed("rsg", p) }

// Build validates the parameters and builds the task.
func (p *FlipFlopParams) Build() (Task, error) { return buildNamed("flipflop", p) }

// Build validates the parameters and builds the task.
func (p *SineParams) Build() (Task, error) { return buildNamed("sine", p) }
