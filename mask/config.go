package mask

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Config is a mask configuration: MultiAreaConfig, MultiAreaEIConfig,
// RandomInputConfig or MultiIOConfig.
type Config interface {
	// Type is the JSON "type" of the mask the config builds.
	Type() string
	// Build validates the config and builds the mask.
	Build() (Mask, error)
	// WithSeed returns a copy of the config with its seed replaced.
	WithSeed(seed uint64) Config
}

// Types lists the mask types FromJSON knows.
func Types() []string { return []string{TypeMultiArea, TypeMultiAreaEI, TypeRandomInput, TypeMultiIO} }

// keys lists, per type, the JSON keys it accepts besides "type" and "seed".
var keys = map[string][]string{
	TypeMultiArea:   {"dims", "n_areas", "area_connectivities", "input_areas", "readout_areas"},
	TypeMultiAreaEI: {"dims", "n_areas", "area_connectivities", "input_areas", "readout_areas", "exc_pct", "inter_area_connections", "inh_readout"},
	TypeRandomInput: {"dims", "input_spar", "readout_spar", "hidden_spar", "overlap"},
	TypeMultiIO:     {"dims", "input_dims", "readout_dims", "input_table", "readout_table"},
}

// FromJSON builds the mask a JSON config describes. The config is one
// object with nn4n's parameter names plus "type" (multi_area,
// multi_area_ei, random_input or multi_io) and "seed" (a non-negative
// integer, default 0), for example
//
//	{"type": "multi_area_ei", "seed": 1, "dims": [2, 100, 1], "n_areas": [60, 40],
//	 "area_connectivities": [0.1, 0.05], "exc_pct": 0.8, "inh_readout": false}
//
// Absent keys and null values take nn4n's defaults; unknown keys, keys of
// another type and repeated keys are errors.
func FromJSON(data []byte) (Mask, error) {
	c, err := ParseJSON(data)
	if err != nil {
		return nil, err
	}
	return c.Build()
}

// ParseJSON parses a JSON config (see FromJSON) without building it.
func ParseJSON(data []byte) (Config, error) {
	fields, order, err := splitObject(data)
	if err != nil {
		return nil, err
	}
	typ := ""
	raw, ok := fields["type"]
	if !ok {
		return nil, fmt.Errorf("mask: type is missing: must be one of %s", strings.Join(Types(), ", "))
	}
	if err := json.Unmarshal(raw, &typ); err != nil || keys[typ] == nil {
		return nil, &ConfigError{Section: "mask", Field: "type", Value: compact(raw), Allowed: "must be one of " + strings.Join(Types(), ", ")}
	}
	allowed := keys[typ]
	for _, k := range order {
		if k == "type" || k == "seed" || slices.Contains(allowed, k) {
			continue
		}
		if owners := ownersOf(k); owners != "" {
			return nil, fmt.Errorf("mask: key %q does not apply to type %s (it belongs to %s); allowed: type, seed, %s", k, typ, owners, strings.Join(allowed, ", "))
		}
		return nil, fmt.Errorf("mask: unknown key %q for type %s; allowed: type, seed, %s", k, typ, strings.Join(allowed, ", "))
	}
	p := parser{fields: fields}
	var seed uint64
	if v, ok := p.get("seed"); ok {
		n, isNum := v.(json.Number)
		s, err := strconv.ParseUint(string(n), 10, 64)
		if !isNum || err != nil {
			return nil, p.bad("seed", "must be an integer in [0, 2^64-1]")
		}
		seed = s
	}
	dims := p.dims()

	var c Config
	switch typ {
	case TypeMultiArea, TypeMultiAreaEI:
		ma := MultiAreaConfig{Dims: dims, Seed: seed}
		if v, ok := p.get("n_areas"); ok {
			if _, isList := v.([]any); isList {
				ma.AreaSizes = p.intList("n_areas", v, "must be a positive integer or a list of positive area sizes")
			} else {
				ma.NAreas = p.int("n_areas", v, "must be a positive integer or a list of positive area sizes")
				if p.err == nil && ma.NAreas <= 0 {
					p.fail("n_areas", "must be a positive integer or a list of positive area sizes")
				}
			}
		}
		if v, ok := p.get("area_connectivities"); ok {
			const allowed = "must be a list of 2 values [feedforward, feedback], 3 values [feedforward, feedback, within] or an n_areas × n_areas matrix of probabilities"
			if list, isList := v.([]any); isList && len(list) > 0 {
				if _, nested := list[0].([]any); nested {
					ma.AreaConnectivityMatrix = p.floatMatrix("area_connectivities", v, allowed)
				} else {
					ma.AreaConnectivities = p.floatList("area_connectivities", v, allowed)
				}
			} else {
				p.fail("area_connectivities", allowed)
			}
		}
		if v, ok := p.get("input_areas"); ok {
			ma.InputAreas = p.intList("input_areas", v, "must be a list of area numbers (from 0)")
		}
		if v, ok := p.get("readout_areas"); ok {
			ma.ReadoutAreas = p.intList("readout_areas", v, "must be a list of area numbers (from 0)")
		}
		if typ == TypeMultiArea {
			c = ma
			break
		}
		ei := MultiAreaEIConfig{MultiAreaConfig: ma}
		if v, ok := p.get("exc_pct"); ok {
			ei.ExcPct = new(p.float("exc_pct", v, "must be a number in [0, 1]"))
		}
		if v, ok := p.get("inter_area_connections"); ok {
			const allowed = "must be a list of 4 booleans [exc_exc, exc_inh, inh_exc, inh_inh]"
			bs := p.boolList("inter_area_connections", v, allowed)
			if p.err == nil && len(bs) != 4 {
				p.fail("inter_area_connections", allowed)
			}
			if p.err == nil {
				ei.InterAreaConnections = &[4]bool{bs[0], bs[1], bs[2], bs[3]}
			}
		}
		if v, ok := p.get("inh_readout"); ok {
			ei.InhReadout = new(p.bool("inh_readout", v, "must be true or false"))
		}
		c = ei
	case TypeRandomInput:
		ri := RandomInputConfig{Dims: dims, Seed: seed}
		for _, f := range []struct {
			key string
			dst **float64
		}{{"input_spar", &ri.InputSpar}, {"readout_spar", &ri.ReadoutSpar}, {"hidden_spar", &ri.HiddenSpar}} {
			if v, ok := p.get(f.key); ok {
				*f.dst = new(p.float(f.key, v, "must be a number in [0, 1]"))
			}
		}
		if v, ok := p.get("overlap"); ok {
			ri.Overlap = new(p.bool("overlap", v, "must be true or false"))
		}
		c = ri
	case TypeMultiIO:
		mio := MultiIOConfig{Dims: dims, Seed: seed}
		if v, ok := p.get("input_dims"); ok {
			mio.InputDims = p.intList("input_dims", v, "must be a list of positive group widths")
		}
		if v, ok := p.get("readout_dims"); ok {
			mio.ReadoutDims = p.intList("readout_dims", v, "must be a list of positive group widths")
		}
		if v, ok := p.get("input_table"); ok {
			mio.InputTable = p.floatMatrix("input_table", v, "must be a list of rows of 0/1, one row per input group")
		}
		if v, ok := p.get("readout_table"); ok {
			mio.ReadoutTable = p.floatMatrix("readout_table", v, "must be a list of rows of 0/1, one row per readout group")
		}
		c = mio
	}
	if p.err != nil {
		return nil, p.err
	}
	return c, nil
}

// ownersOf lists the types that accept key, or "" if none does.
func ownersOf(key string) string {
	var owners []string
	for _, t := range Types() {
		if slices.Contains(keys[t], key) {
			owners = append(owners, t)
		}
	}
	return strings.Join(owners, ", ")
}

// splitObject splits a JSON object into its raw values, refusing anything
// but one object and repeated keys.
func splitObject(data []byte) (map[string]json.RawMessage, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, nil, errors.New("mask: the config is empty: it must be a JSON object such as {\"type\": \"multi_area_ei\"}")
	}
	if err != nil {
		return nil, nil, jsonError(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, errors.New("mask: the config must be a JSON object such as {\"type\": \"multi_area_ei\"}")
	}
	fields := map[string]json.RawMessage{}
	var order []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, jsonError(err)
		}
		key := tok.(string) // object keys are always strings
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, fmt.Errorf("%v (at key %q)", jsonError(err), key)
		}
		if _, dup := fields[key]; dup {
			return nil, nil, fmt.Errorf("mask: key %q appears twice in the config", key)
		}
		fields[key] = raw
		order = append(order, key)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("mask: the config has data after its closing brace; it must be exactly one JSON object")
	}
	return fields, order, nil
}

// jsonError describes a JSON syntax error.
func jsonError(err error) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("mask: the config is not valid JSON: it ends before its closing brace")
	}
	return fmt.Errorf("mask: the config is not valid JSON: %v", err)
}

// compact returns the raw JSON on one line, shortened.
func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return shorten(string(raw))
	}
	s := strings.ReplaceAll(b.String(), ",", ", ")
	return shorten(s)
}

// parser reads typed values out of raw JSON fields, keeping the first error.
type parser struct {
	fields map[string]json.RawMessage
	err    error
}

// get decodes field key; absent keys and null are reported as absent.
func (p *parser) get(key string) (any, bool) {
	raw, ok := p.fields[key]
	if !ok || p.err != nil {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		p.fail(key, "must be valid JSON")
		return nil, false
	}
	return v, v != nil
}

func (p *parser) bad(key, allowed string) error {
	return &ConfigError{Section: "mask", Field: key, Value: compact(p.fields[key]), Allowed: allowed}
}

func (p *parser) fail(key, allowed string) {
	if p.err == nil {
		p.err = p.bad(key, allowed)
	}
}

func (p *parser) int(key string, v any, allowed string) int {
	n, ok := v.(json.Number)
	if !ok {
		p.fail(key, allowed)
		return 0
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || i < math.MinInt32 || i > math.MaxInt32 {
		p.fail(key, allowed)
		return 0
	}
	return int(i)
}

func (p *parser) float(key string, v any, allowed string) float64 {
	n, ok := v.(json.Number)
	if !ok {
		p.fail(key, allowed)
		return 0
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsInf(f, 0) {
		p.fail(key, allowed)
		return 0
	}
	return f
}

func (p *parser) bool(key string, v any, allowed string) bool {
	b, ok := v.(bool)
	if !ok {
		p.fail(key, allowed)
	}
	return b
}

func (p *parser) list(key string, v any, allowed string) []any {
	l, ok := v.([]any)
	if !ok {
		p.fail(key, allowed)
	}
	return l
}

func (p *parser) intList(key string, v any, allowed string) []int {
	out := []int{}
	for _, x := range p.list(key, v, allowed) {
		out = append(out, p.int(key, x, allowed))
	}
	if p.err != nil {
		return nil
	}
	return out
}

func (p *parser) floatList(key string, v any, allowed string) []float64 {
	out := []float64{}
	for _, x := range p.list(key, v, allowed) {
		out = append(out, p.float(key, x, allowed))
	}
	if p.err != nil {
		return nil
	}
	return out
}

func (p *parser) boolList(key string, v any, allowed string) []bool {
	var out []bool
	for _, x := range p.list(key, v, allowed) {
		out = append(out, p.bool(key, x, allowed))
	}
	if p.err != nil {
		return nil
	}
	return out
}

func (p *parser) floatMatrix(key string, v any, allowed string) [][]float64 {
	rows := p.list(key, v, allowed)
	out := make([][]float64, 0, len(rows))
	for _, r := range rows {
		out = append(out, p.floatList(key, r, allowed))
	}
	if p.err != nil {
		return nil
	}
	return out
}

// dims parses "dims": a list of 3 positive integers.
func (p *parser) dims() [3]int {
	const allowed = "must be a list of 3 positive integers [input_dim, hidden_size, readout_dim]"
	v, ok := p.get("dims")
	if !ok {
		return [3]int{}
	}
	l := p.intList("dims", v, allowed)
	if p.err != nil {
		return [3]int{}
	}
	if len(l) != 3 || l[0] <= 0 || l[1] <= 0 || l[2] <= 0 {
		p.fail("dims", allowed)
		return [3]int{}
	}
	return [3]int{l[0], l[1], l[2]}
}
