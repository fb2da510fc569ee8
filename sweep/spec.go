package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/run"
)

// Axis is one varied setting: a JSON path into the run config and the
// values it takes, in order.
type Axis struct {
	// Path is dot-separated keys from the run config's top ("seed",
	// "hidden_size", "mask.exc_pct", "train.optimizer.lr",
	// "task.params.coherences"); a key missing in the base is created.
	Path   string
	Values []json.RawMessage
}

// Spec is a sweep: a base run config and its axes.
type Spec struct {
	// Base is the run config every member starts from.
	Base run.Config
	// Axes are the varied settings, in the order of Spec's JSON.
	Axes []Axis
	// Zip lists groups of axis paths that vary together (their value
	// lists have one length; member k takes value k of each); every other
	// axis is crossed with the rest as a grid.
	Zip [][]string
	// Dir is the spec file's folder, against which relative paths of the
	// base config resolve ("" = the working directory).
	Dir string
}

// Member is one run of a sweep.
type Member struct {
	// Index is the member's place in the grid (0-based) and ID its run
	// directory's name under OUT/runs/ ("0007").
	Index int
	ID    string
	// Values are the axis values of this member, by path, as JSON.
	Values map[string]json.RawMessage
	// Config is the member's run config.
	Config run.Config
}

// specJSON is a spec's JSON form: {"base": {...}, "axes": {"path":
// [values], ...}, "zip": [["path", "path"], ...]}.
type specJSON struct {
	Base json.RawMessage            `json:"base"`
	Axes map[string]json.RawMessage `json:"axes"`
	Zip  [][]string                 `json:"zip,omitempty"`
}

// MaxMembers bounds a sweep's size.
const MaxMembers = 100000

// Parse reads a spec strictly (unknown keys, a key twice, data after the
// object are errors); source names it in errors.
func Parse(data []byte, source string) (*Spec, error) {
	if err := config.CheckJSON(data); err != nil {
		return nil, fmt.Errorf("sweep spec %s: %v", source, err)
	}
	var sj specJSON
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&sj); err != nil {
		return nil, fmt.Errorf("sweep spec %s: %v (keys: base, axes, zip)", source, err)
	}
	if len(bytes.TrimSpace(sj.Base)) == 0 {
		return nil, fmt.Errorf("sweep spec %s: base is missing: the run config every member starts from", source)
	}
	base, err := run.Parse(sj.Base, source+": base")
	if err != nil {
		return nil, err
	}
	s := &Spec{Base: base, Zip: sj.Zip}
	// Axes in the order the file gives them.
	order, err := objectKeys(data, "axes")
	if err != nil {
		return nil, fmt.Errorf("sweep spec %s: %v", source, err)
	}
	for _, path := range order {
		var vals []json.RawMessage
		if err := json.Unmarshal(sj.Axes[path], &vals); err != nil {
			return nil, config.Errorf("sweep spec %s: axes.%s = %s is not allowed: must be a list of values", source, path, compact(sj.Axes[path]))
		}
		s.Axes = append(s.Axes, Axis{Path: path, Values: vals})
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("sweep spec %s: %w", source, err)
	}
	return s, nil
}

// Load reads a spec file.
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sweep spec: %v", err)
	}
	if len(data) > run.MaxConfigBytes {
		return nil, fmt.Errorf("sweep spec %s is larger than %d MiB", path, run.MaxConfigBytes>>20)
	}
	s, err := Parse(data, path)
	if err != nil {
		return nil, err
	}
	s.Dir = filepath.Dir(path)
	return s, nil
}

// check validates the axes and zip groups (not the member configs: see
// Members).
func (s *Spec) check() error {
	seen := map[string]bool{}
	for _, a := range s.Axes {
		if err := checkPath(a.Path); err != nil {
			return err
		}
		if seen[a.Path] {
			return config.Errorf("axes.%s = (twice) is not allowed: an axis is given once", a.Path)
		}
		seen[a.Path] = true
		if len(a.Values) == 0 {
			return config.Errorf("axes.%s = [] is not allowed: an axis needs at least one value", a.Path)
		}
	}
	inZip := map[string]bool{}
	for g, group := range s.Zip {
		if len(group) < 2 {
			return config.Errorf("zip[%d] = %v is not allowed: a zipped group has at least two axes", g, group)
		}
		n := -1
		for _, p := range group {
			if !seen[p] {
				return config.Errorf("zip[%d] = %q is not allowed: it is not an axis", g, p)
			}
			if inZip[p] {
				return config.Errorf("zip[%d] = %q is not allowed: the axis is in another zipped group", g, p)
			}
			inZip[p] = true
			k := len(s.axis(p).Values)
			if n >= 0 && k != n {
				return config.Errorf("zip[%d] = %v is not allowed: zipped axes need lists of one length (%d and %d values)", g, group, n, k)
			}
			n = k
		}
	}
	if _, err := s.size(); err != nil {
		return err
	}
	return nil
}

func (s *Spec) axis(path string) *Axis {
	for i := range s.Axes {
		if s.Axes[i].Path == path {
			return &s.Axes[i]
		}
	}
	return nil
}

// dims returns the grid's dimensions: one per zipped group, then one per
// free axis, each with the axis paths that move together.
func (s *Spec) dims() [][]string {
	var out [][]string
	zipped := map[string]bool{}
	for _, g := range s.Zip {
		out = append(out, g)
		for _, p := range g {
			zipped[p] = true
		}
	}
	for _, a := range s.Axes {
		if !zipped[a.Path] {
			out = append(out, []string{a.Path})
		}
	}
	return out
}

func (s *Spec) size() (int, error) {
	n := 1
	for _, d := range s.dims() {
		n *= len(s.axis(d[0]).Values)
		if n > MaxMembers {
			return 0, config.Errorf("axes = a grid of more than %d members is not allowed: split the sweep", MaxMembers)
		}
	}
	return n, nil
}

// Members expands the spec into its members, the last axis varying
// fastest, and resolves each member's config (run.Resolve), so that a
// spec with any member that would not run is refused whole, the error
// naming the member and its axis values.
func (s *Spec) Members() ([]Member, error) {
	n, err := s.size()
	if err != nil {
		return nil, err
	}
	dims := s.dims()
	width := len(strconv.Itoa(n - 1))
	width = max(width, 4)
	var out []Member
	for idx := range n {
		m := Member{Index: idx, ID: fmt.Sprintf("%0*d", width, idx), Values: map[string]json.RawMessage{}}
		rest := idx
		pick := make([]int, len(dims))
		for d := len(dims) - 1; d >= 0; d-- {
			k := len(s.axis(dims[d][0]).Values)
			pick[d] = rest % k
			rest /= k
		}
		raw, err := json.Marshal(s.Base)
		if err != nil {
			return nil, err
		}
		for d, group := range dims {
			for _, p := range group {
				v := s.axis(p).Values[pick[d]]
				m.Values[p] = v
				if raw, err = setPath(raw, p, v); err != nil {
					return nil, fmt.Errorf("member %s: axes.%s: %v", m.ID, p, err)
				}
			}
		}
		rc, err := run.Parse(raw, "member "+m.ID)
		if err != nil {
			return nil, fmt.Errorf("member %s (%s): %w", m.ID, m.describe(s), err)
		}
		if v, ok := m.Values["seed"]; ok {
			// The run seed axis reseeds everything: sections' own seeds go.
			var seed uint64
			if err := json.Unmarshal(v, &seed); err != nil {
				return nil, config.Errorf("axes.seed = %s is not allowed: seeds are integers in [0, 2^64-1] (member %s)", compact(v), m.ID)
			}
			if rc, err = rc.WithSeed(seed); err != nil {
				return nil, fmt.Errorf("member %s: %w", m.ID, err)
			}
		}
		if _, err := run.Resolve(rc, s.Dir); err != nil {
			return nil, fmt.Errorf("member %s (%s): %w", m.ID, m.describe(s), err)
		}
		m.Config = rc
		out = append(out, m)
	}
	return out, nil
}

// describe lists the member's axis values, in axis order.
func (m Member) describe(s *Spec) string {
	var parts []string
	for _, a := range s.Axes {
		parts = append(parts, a.Path+" = "+compact(m.Values[a.Path]))
	}
	return strings.Join(parts, ", ")
}

// checkPath refuses an empty or malformed path.
func checkPath(p string) error {
	if p == "" {
		return config.Errorf(`axes."" = (a path) is not allowed: an axis is a dot-separated path into the run config`)
	}
	for _, k := range strings.Split(p, ".") {
		if k == "" {
			return config.Errorf("axes.%s = (a path) is not allowed: empty key in the path", p)
		}
	}
	top := strings.Split(p, ".")[0]
	allowed := []string{"seed", "hidden_size", "task", "curriculum", "mask", "model", "train"}
	if !slices.Contains(allowed, top) {
		return config.Errorf("axes.%s = (a path) is not allowed: a path starts with one of %s", p, strings.Join(allowed, ", "))
	}
	return nil
}

// setPath sets the value at a dot path of a JSON object, creating
// objects on the way.
func setPath(raw []byte, path string, v json.RawMessage) ([]byte, error) {
	keys := strings.Split(path, ".")
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		obj = map[string]json.RawMessage{}
	}
	if len(keys) == 1 {
		obj[keys[0]] = v
		return json.Marshal(obj)
	}
	child := obj[keys[0]]
	if len(bytes.TrimSpace(child)) == 0 || string(bytes.TrimSpace(child)) == "null" {
		child = []byte("{}")
	} else if t := bytes.TrimSpace(child); t[0] != '{' {
		return nil, fmt.Errorf("%s is %s in the base, not an object", keys[0], compact(child))
	}
	sub, err := setPath(child, strings.Join(keys[1:], "."), v)
	if err != nil {
		return nil, err
	}
	obj[keys[0]] = sub
	return json.Marshal(obj)
}

// objectKeys returns the keys of the object at top-level key of data, in
// file order.
func objectKeys(data []byte, key string) ([]string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	raw, ok := top[key]
	if !ok {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	t, err := d.Token()
	if err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("%s must be an object of path: [values]", key)
	}
	var keys []string
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
