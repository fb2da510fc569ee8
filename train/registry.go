package train

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"

	"github.com/dale-rnn/dale/config"
)

// registry maps the JSON "type" names of one kind of value (losses,
// optimisers) to their decoders, in registration order (the built-ins
// first), safe for concurrent use.
type registry[T any] struct {
	kind, register string // "loss", "RegisterLoss"
	mu             sync.RWMutex
	names          []string
	decode         map[string]func(json.RawMessage) (T, error)
}

func (r *registry[T]) add(name string, decode func(json.RawMessage) (T, error)) error {
	if !nameRE.MatchString(name) {
		return config.Errorf("train: %s: name = %q is not allowed: must be lower-case letters, digits and _", r.register, name)
	}
	if decode == nil {
		return config.Errorf("train: %s: decode = nil is not allowed for %s type %q: give a function", r.register, r.kind, name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.decode[name]; ok {
		return config.Errorf("train: %s: name = %q is not allowed: that %s type is already registered", r.register, name, r.kind)
	}
	if r.decode == nil {
		r.decode = map[string]func(json.RawMessage) (T, error){}
	}
	r.decode[name] = decode
	r.names = append(r.names, name)
	return nil
}

func (r *registry[T]) lookup(name string) (func(json.RawMessage) (T, error), bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.decode[name]
	return d, ok
}

// list returns the registered names, comma-separated, in registration
// order.
func (r *registry[T]) list() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return strings.Join(r.names, ", ")
}

// paramsErr joins a decoder's error to the field it decoded: an error that
// names a parameter ("metric = ...") follows field and a dot, one that
// starts with a space (" = 3 is not allowed") follows field directly.
func paramsErr(field string, err error) error {
	msg := err.Error()
	if strings.HasPrefix(msg, " ") {
		return config.Errorf("%s%s", field, msg)
	}
	return config.Errorf("%s.%s", field, msg)
}

// isEmptyJSON reports whether raw is absent, null or {}.
func isEmptyJSON(raw json.RawMessage) bool {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return len(bytes.TrimSpace(raw)) == 0
	}
	s := buf.String()
	return s == "null" || s == "{}"
}

// paramMap decodes params (absent or null: none) into a map, for the
// built-in decoders.
func paramMap(raw json.RawMessage) (map[string]any, error) {
	if isEmptyJSON(raw) {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, config.Errorf(" = %s is not allowed: must be a JSON object", strings.TrimSpace(string(raw)))
	}
	return m, nil
}
