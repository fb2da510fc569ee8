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
	// Threads is the number of threads each member runs on (GOMAXPROCS of
	// its process; 0 = 1). A run's numbers depend on it (the batch is
	// split among that many goroutines), so every backend runs a member
	// on exactly this many, and the local and Slurm backends give the same
	// results bit for bit.
	Threads int
	// Slurm holds the sbatch options of the Slurm backend.
	Slurm SlurmOptions
}

// SlurmOptions are the sbatch options of a sweep's job array; empty ones
// are left to the cluster's defaults.
type SlurmOptions struct {
	Partition string `json:"partition,omitempty"`
	// Time is the time limit of one member ("02:00:00").
	Time string `json:"time,omitempty"`
	// CPUsPerTask defaults to the spec's threads.
	CPUsPerTask int `json:"cpus_per_task,omitempty"`
	// Mem is the memory of one member ("4G").
	Mem string `json:"mem,omitempty"`
	// MaxParallel bounds the members running at once (the array's %N;
	// 0 = no bound).
	MaxParallel int `json:"max_parallel,omitempty"`
	// Extra are more lines of the batch script's header, each starting
	// with "#SBATCH " (an account, a QOS, a constraint).
	Extra []string `json:"extra,omitempty"`
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
	Recipe  string                     `json:"recipe,omitempty"`
	Base    json.RawMessage            `json:"base"`
	Axes    map[string]json.RawMessage `json:"axes"`
	Zip     [][]string                 `json:"zip,omitempty"`
	Threads int                        `json:"threads,omitempty"`
	Slurm   *SlurmOptions              `json:"slurm,omitempty"`
}

// MaxThreads bounds a member's threads.
const MaxThreads = 1024

// MaxMembers bounds a sweep's size.
const MaxMembers = 100000

// Parse reads a spec strictly (unknown keys, a key twice, data after the
// object are errors); source names it in errors.
func Parse(data []byte, source string) (*Spec, error) {
	if err := config.CheckJSON(data); err != nil {
		return nil, fmt.Errorf("sweep spec %s: %v", source, err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("sweep spec %s: %v", source, err)
	}
	for k := range top {
		if !slices.Contains([]string{"recipe", "base", "axes", "zip", "threads", "slurm"}, k) {
			return nil, config.Errorf("sweep spec %s: %s = (a key) is not allowed: the keys are recipe, base, axes, zip, threads, slurm", source, k)
		}
	}
	var sj specJSON
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&sj); err != nil {
		return nil, fmt.Errorf("sweep spec %s: %v (keys: recipe, base, axes, zip, threads, slurm)", source, err)
	}
	baseJSON := sj.Base
	if sj.Recipe != "" {
		rc, err := run.Recipe(sj.Recipe)
		if err != nil {
			return nil, fmt.Errorf("sweep spec %s: recipe: %w", source, err)
		}
		rb, err := run.Marshal(rc)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(sj.Base)) > 0 {
			if rb, err = mergeJSON(rb, sj.Base); err != nil {
				return nil, fmt.Errorf("sweep spec %s: base over recipe %s: %v", source, sj.Recipe, err)
			}
		}
		baseJSON = rb
	}
	if len(bytes.TrimSpace(baseJSON)) == 0 {
		return nil, fmt.Errorf("sweep spec %s: base is missing: the run config every member starts from (or recipe: a task whose recipe it is)", source)
	}
	base, err := run.Parse(baseJSON, source+": base")
	if err != nil {
		return nil, err
	}
	s := &Spec{Base: base, Zip: sj.Zip, Threads: sj.Threads}
	if sj.Slurm != nil {
		s.Slurm = *sj.Slurm
	}
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
		for i := range vals {
			vals[i] = json.RawMessage(compact(vals[i]))
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
	if s.Threads < 0 || s.Threads > MaxThreads {
		return config.Errorf("threads = %d is not allowed: threads per member are 1 to %d (0 or absent: 1)", s.Threads, MaxThreads)
	}
	if err := s.Slurm.check(); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, a := range s.Axes {
		if a.Path != "seed" && (strings.HasSuffix(a.Path, ".seed") || strings.HasSuffix(a.Path, ".eval_seed")) && s.axis("seed") != nil {
			return config.Errorf("axes.%s = (an axis) is not allowed with axes.seed: the run seed reseeds every section, so it would be overridden; vary one of them", a.Path)
		}
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

// Len is the number of members.
func (s *Spec) Len() int {
	n, _ := s.size()
	return n
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
	out := make([]Member, 0, n)
	for idx := range n {
		m, err := s.Member(idx)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// Member expands and resolves member idx alone.
func (s *Spec) Member(idx int) (Member, error) {
	vals, err := s.values(idx)
	if err != nil {
		return Member{}, err
	}
	m := Member{Index: idx, ID: s.id(idx), Values: vals}
	raw, err := json.Marshal(s.Base)
	if err != nil {
		return Member{}, err
	}
	for _, group := range s.dims() {
		for _, p := range group {
			if raw, err = setPath(raw, p, vals[p]); err != nil {
				return Member{}, fmt.Errorf("member %s: axes.%s: %v", m.ID, p, err)
			}
		}
	}
	rc, err := run.Parse(raw, "member "+m.ID)
	if err != nil {
		return Member{}, fmt.Errorf("member %s (%s): %w", m.ID, m.describe(s), err)
	}
	if v, ok := m.Values["seed"]; ok {
		// The run seed axis reseeds everything: sections' own seeds go.
		var seed uint64
		if err := json.Unmarshal(v, &seed); err != nil {
			return Member{}, config.Errorf("axes.seed = %s is not allowed: seeds are integers in [0, 2^64-1] (member %s)", compact(v), m.ID)
		}
		if rc, err = rc.WithSeed(seed); err != nil {
			return Member{}, fmt.Errorf("member %s: %w", m.ID, err)
		}
	}
	if _, err := run.Resolve(rc, s.Dir); err != nil {
		return Member{}, fmt.Errorf("member %s (%s): %w", m.ID, m.describe(s), err)
	}
	m.Config = rc
	return m, nil
}

// id is member idx's run directory name: its index, zero-padded to at
// least four digits.
func (s *Spec) id(idx int) string {
	n, _ := s.size()
	return fmt.Sprintf("%0*d", max(len(strconv.Itoa(n-1)), 4), idx)
}

// MarshalJSON writes the spec in the form Parse reads, axes in order.
func (s *Spec) MarshalJSON() ([]byte, error) {
	base, err := run.Marshal(s.Base)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`{"base":`)
	b.Write(base)
	b.WriteString(`,"axes":{`)
	for i, a := range s.Axes {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(a.Path)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(a.Values)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	if len(s.Zip) > 0 {
		z, _ := json.Marshal(s.Zip)
		b.WriteString(`,"zip":`)
		b.Write(z)
	}
	if s.Threads > 0 {
		fmt.Fprintf(&b, `,"threads":%d`, s.Threads)
	}
	if sl, _ := json.Marshal(s.Slurm); string(sl) != "{}" {
		b.WriteString(`,"slurm":`)
		b.Write(sl)
	}
	b.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// threads is the spec's threads per member (at least 1).
func (s *Spec) threads() int { return max(s.Threads, 1) }

// Axis returns the axis at path, or nil.
func (s *Spec) Axis(path string) *Axis { return s.axis(path) }

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

// mergeJSON lays the object patch over the object raw: objects merge key
// by key, any other value of patch replaces raw's.
func mergeJSON(raw, patch []byte) ([]byte, error) {
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(patch, &b); err != nil || b == nil {
		return nil, fmt.Errorf("base must be an object")
	}
	if a == nil {
		a = map[string]json.RawMessage{}
	}
	for k, v := range b {
		old, ok := a[k]
		t, to := bytes.TrimSpace(v), bytes.TrimSpace(old)
		if ok && len(t) > 0 && t[0] == '{' && len(to) > 0 && to[0] == '{' {
			m, err := mergeJSON(old, v)
			if err != nil {
				return nil, err
			}
			a[k] = m
			continue
		}
		a[k] = v
	}
	return json.Marshal(a)
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

func (o SlurmOptions) check() error {
	if o.CPUsPerTask < 0 || o.CPUsPerTask > MaxThreads {
		return config.Errorf("slurm.cpus_per_task = %d is not allowed: 1 to %d (0 or absent: the spec's threads)", o.CPUsPerTask, MaxThreads)
	}
	if o.MaxParallel < 0 {
		return config.Errorf("slurm.max_parallel = %d is not allowed: must be >= 0 (0: no bound)", o.MaxParallel)
	}
	for _, f := range [][2]string{{"partition", o.Partition}, {"time", o.Time}, {"mem", o.Mem}} {
		name, v := f[0], f[1]
		if strings.ContainsAny(v, " \t\n\r'\"$`\\;&|<>") {
			return config.Errorf("slurm.%s = %q is not allowed: one word without spaces, quotes or shell characters", name, v)
		}
	}
	for i, l := range o.Extra {
		if !strings.HasPrefix(l, "#SBATCH ") || strings.ContainsAny(l, "\n\r") {
			return config.Errorf("slurm.extra[%d] = %q is not allowed: each line starts with \"#SBATCH \" and is one line", i, l)
		}
	}
	return nil
}

func compact(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
