package mask

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Spec is one named parameter of a mask.
type Spec struct {
	Key   string
	Value any
}

// Specs lists a mask's parameters in a fixed order, with nn4n's keys (for
// MultiAreaEI: dims, hidden_size, input_dim, readout_dim, n_areas,
// area_connectivities, input_areas, readout_areas, exc_pct,
// inter_area_connections, inh_readout). Values are int, float64, bool,
// []int, []bool or [][]float64.
type Specs []Spec

// Get returns the value of key and whether it is present.
func (s Specs) Get(key string) (any, bool) {
	for _, kv := range s {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// Keys returns the keys in order.
func (s Specs) Keys() []string {
	keys := make([]string, len(s))
	for i, kv := range s {
		keys[i] = kv.Key
	}
	return keys
}

// String prints one "key: value" line per parameter, keys aligned, values
// as JSON would show them.
func (s Specs) String() string {
	width := 0
	for _, kv := range s {
		width = max(width, len(kv.Key))
	}
	var b strings.Builder
	for _, kv := range s {
		var v strings.Builder
		writeValue(&v, kv.Value)
		fmt.Fprintf(&b, "%-*s %s\n", width+1, kv.Key+":", v.String())
	}
	return b.String()
}

// MarshalJSON writes the specs as one JSON object with keys in order.
func (s Specs) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(kv.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("mask: spec %s: %v", kv.Key, err)
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
