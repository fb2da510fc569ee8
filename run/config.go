package run

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/mask"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/tasks"
	"github.com/dale-rnn/dale/train"
)

// Config is the JSON of a run: what to build and how to train it. Each
// section is the JSON of its package (mask, rnn, tasks, train), so every
// field a package documents can be set here.
type Config struct {
	// Seed seeds everything that has no seed of its own in its section:
	// the mask, the initial weights, the training batches (train.seed) and
	// the evaluation trials (train.eval_seed = seed + 1).
	Seed uint64 `json:"seed"`
	// HiddenSize is the number of hidden neurons when neither model.dims
	// nor mask.dims gives it. The resolved form (Resolved.Config) always
	// holds it and leaves the derived dims out, so changing hidden_size
	// alone resizes the network.
	HiddenSize int `json:"hidden_size,omitempty"`
	// Task selects the task: {"name": "pdm", "params": {...}}.
	Task tasks.Spec `json:"task"`
	// Curriculum lists the stages trained before the task itself (see
	// Stage). Empty: the task from the first step.
	Curriculum []Stage `json:"curriculum,omitempty"`
	// Mask is a mask config of package mask ({"type": "multi_area_ei",
	// ...}); its dims may be left out (they come from the task and
	// hidden_size). Null or absent: no mask (or model.masks, an .npz file).
	Mask json.RawMessage `json:"mask,omitempty"`
	// Model is the rnn config (nn4n names). dims and dt may be left out:
	// they come from the task and hidden_size.
	Model json.RawMessage `json:"model,omitempty"`
	// Train holds the training options of package train.
	Train json.RawMessage `json:"train,omitempty"`
}

// Stage is one stage of a curriculum: the run's task with some parameters
// changed (a shorter delay, say), trained until an evaluation on it
// reaches Threshold. The task's own parameters (the last, implicit stage)
// are reached through the stages in order, so a task keeps its full
// timing and the curriculum only leads up to it.
type Stage struct {
	// Name labels the stage in logs and history.
	Name string `json:"name"`
	// Params is a JSON object of task parameters applied over the task's
	// own, field by field (nested objects such as timing keep the fields
	// not named; a duration, a list or yang20's rule_probs is replaced
	// whole).
	Params json.RawMessage `json:"params"`
	// Threshold is the evaluation accuracy that ends the stage (> 0).
	Threshold float64 `json:"threshold"`
}

// Resolved is a run config turned into the objects it describes.
type Resolved struct {
	// Config is the fully resolved config, every default written out
	// except what is derived (model and mask dims, model.dt).
	Config Config
	Task   tasks.Task
	// Stages are the curriculum's tasks, in order (empty without one).
	Stages []tasks.Task
	// Mask is nil when the run has no mask config.
	Mask  mask.Mask
	Model rnn.Config
	// Train has every default filled in, the task's Score and Measure
	// and, with a curriculum, its stages (the last one the task itself);
	// Dir and Output are left for the caller.
	Train train.Options
}

// Parse decodes a run config strictly (unknown keys, a key given twice in
// any section and data after the object are errors; see package config).
// source names it in errors.
func Parse(data []byte, source string) (Config, error) {
	if err := config.CheckJSON(data); err != nil {
		return Config{}, fmt.Errorf("config %s: %v", source, err)
	}
	if err := config.ExactKeys(data, Config{}); err != nil {
		return Config{}, fmt.Errorf("config %s: %w", source, err)
	}
	if err := config.RejectDefaultZeros("", data, Config{HiddenSize: rnn.DefaultConfig().Dims[1]}); err != nil {
		return Config{}, fmt.Errorf("config %s: %w", source, err)
	}
	var rc Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rc); err != nil {
		return Config{}, fmt.Errorf("config %s: %v", source, jsonErr(err))
	}
	if dec.More() {
		return Config{}, fmt.Errorf("config %s: unexpected data after the JSON object", source)
	}
	if rc.Task.Name == "" {
		return Config{}, fmt.Errorf("config %s: task.name is missing; allowed: %s", source, strings.Join(tasks.Names(), ", "))
	}
	return rc, nil
}

// Load reads a run config file and returns it with the file's folder,
// against which Resolve takes the relative paths inside it.
func Load(path string) (Config, string, error) {
	data, err := readLimited(path)
	if err != nil {
		return Config{}, "", fmt.Errorf("config: %v", err)
	}
	rc, err := Parse(data, path)
	return rc, filepath.Dir(path), err
}

// MaxConfigBytes bounds a run config file: weights and masks go in .npy
// and .npz files, so a config is a few KiB.
const MaxConfigBytes = 64 << 20

// readLimited reads a config file of at most MaxConfigBytes.
func readLimited(path string) ([]byte, error) {
	data, err := config.ReadLimited(path, MaxConfigBytes)
	if errors.Is(err, config.ErrTooLarge) {
		return nil, fmt.Errorf("%s is larger than %d MiB, the most a run config may be (weights and masks go in .npy/.npz files)", path, MaxConfigBytes>>20)
	}
	return data, err
}

func jsonErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, err)
	}
	return err.Error()
}

// object decodes a JSON object section into a key → raw value map.
func object(raw json.RawMessage, field string) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if t := bytes.TrimSpace(raw); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		return m, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("%s must be a JSON object: %v", field, err)
	}
	return m, nil
}

func setIfAbsent(m map[string]json.RawMessage, key string, v any) {
	if _, ok := m[key]; ok {
		return
	}
	b, _ := json.Marshal(v)
	m[key] = b
}

func setAlways(m map[string]json.RawMessage, key string, v any) {
	b, _ := json.Marshal(v)
	m[key] = b
}

// Resolve builds the task, the mask, the model config and the training
// options of rc, filling what one section takes from another: dims from the
// task (inputs, outputs) and from hidden_size, the mask or the model, dt
// from the task, seeds from the run seed. dir is the config file's folder:
// relative paths of model files (masks, .npy weights) are taken against it
// ("" = the working directory).
func Resolve(rc Config, dir string) (*Resolved, error) {
	task, err := tasks.FromSpec(rc.Task)
	if err != nil {
		return nil, inSection("task.params", err)
	}
	in, out := tasks.Width(task.Inputs()), tasks.Width(task.Outputs())

	model, err := object(rc.Model, "model")
	if err != nil {
		return nil, err
	}
	maskObj, err := object(rc.Mask, "mask")
	if err != nil {
		return nil, err
	}
	hasMask := len(maskObj) > 0

	// Hidden size: model.dims, else mask.dims, else hidden_size, else
	// rnn's default.
	hidden := rnn.DefaultConfig().Dims[1]
	if rc.HiddenSize < 0 {
		return nil, invalid("hidden_size", rc.HiddenSize, "must be > 0")
	}
	if rc.HiddenSize > 0 {
		hidden = rc.HiddenSize
	}
	var mdims, kdims []int
	if raw, ok := model["dims"]; ok {
		if err := json.Unmarshal(raw, &mdims); err != nil || len(mdims) != 3 {
			return nil, invalid("model.dims", string(raw), "want [input, hidden, readout] integers")
		}
		hidden = mdims[1]
	}
	if raw, ok := maskObj["dims"]; ok {
		if err := json.Unmarshal(raw, &kdims); err != nil || len(kdims) != 3 {
			return nil, invalid("mask.dims", string(raw), "want [input, hidden, readout] integers")
		}
		if mdims == nil {
			hidden = kdims[1]
		}
	}
	if rc.HiddenSize > 0 && hidden != rc.HiddenSize {
		return nil, fmt.Errorf("hidden_size = %d does not fit the dims given in the model or mask (%d neurons); set one of them", rc.HiddenSize, hidden)
	}
	dims := []int{in, hidden, out}
	check := func(field string, d []int) error {
		if d == nil {
			return nil
		}
		if d[0] != in || d[2] != out || d[1] != hidden {
			return fmt.Errorf("%s = %v does not fit: task %q has %d inputs and %d outputs and the network %d neurons, so it must be %v",
				field, d, task.Name(), in, out, hidden, dims)
		}
		return nil
	}
	if err := check("model.dims", mdims); err != nil {
		return nil, err
	}
	if err := check("mask.dims", kdims); err != nil {
		return nil, err
	}
	setAlways(model, "dims", dims)

	// dt comes from the task; a different model.dt is an error.
	if raw, ok := model["dt"]; ok {
		var dt float64
		if err := json.Unmarshal(raw, &dt); err != nil || dt != task.DT() {
			return nil, fmt.Errorf("model.dt = %s does not fit: task %q steps by dt = %g ms; set the task's dt instead (task.params.dt)", raw, task.Name(), task.DT())
		}
	}
	setAlways(model, "dt", task.DT())
	setIfAbsent(model, "seed", rc.Seed)

	r := &Resolved{Task: task}
	if hasMask {
		setAlways(maskObj, "dims", dims)
		setIfAbsent(maskObj, "seed", rc.Seed)
		b, _ := json.Marshal(maskObj)
		m, err := mask.FromJSON(b)
		if err != nil {
			return nil, inSection("mask", err)
		}
		var file string
		if raw, ok := model["masks"]; ok && json.Unmarshal(raw, &file) == nil && file != "" {
			return nil, fmt.Errorf("model.masks and mask are both set; give the mask either as a config (mask) or as an .npz file (model.masks), not both")
		}
		r.Mask = m
		// Write out the defaults the mask used (input_areas, exc_pct, ...),
		// so config.json holds every parameter; what the user wrote stays
		// as written (n_areas as a list of sizes, say).
		if specs, err := json.Marshal(m.Specs()); err == nil {
			var all map[string]json.RawMessage
			if json.Unmarshal(specs, &all) == nil {
				for k, v := range all {
					switch k {
					case "hidden_size", "input_dim", "readout_dim":
					default:
						if _, ok := maskObj[k]; !ok {
							maskObj[k] = v
						}
					}
				}
			}
		}
	}
	b, _ := json.Marshal(model)
	mcfg, err := rnn.ParseConfig(bytes.NewReader(b))
	if err != nil {
		return nil, inSection("model", err)
	}
	if dir != "" {
		mcfg.ResolvePaths(dir)
	}
	if r.Mask != nil {
		min, mh, mout := r.Mask.Masks()
		mcfg.Masks = rnn.MasksOf(min.Data, mh.Data, mout.Data)
	}
	r.Model = mcfg

	tobj, err := object(rc.Train, "train")
	if err != nil {
		return nil, err
	}
	setIfAbsent(tobj, "seed", rc.Seed)
	setIfAbsent(tobj, "eval_seed", rc.Seed+1)
	b, _ = json.Marshal(tobj)
	opts, err := train.DecodeOptions(b)
	if err != nil {
		return nil, inSection("train", err)
	}
	if err := checkTargets(task, opts); err != nil {
		return nil, err
	}
	r.Train = opts.WithDefaults()
	r.Train.Score, r.Train.Measure = ScoreFunc(task)

	// The curriculum: each stage is the task with some parameters
	// changed; the task itself is the last stage.
	specs := make([]Stage, len(rc.Curriculum))
	for i, st := range rc.Curriculum {
		field := fmt.Sprintf("curriculum[%d]", i)
		if !(st.Threshold > 0 && st.Threshold <= 1) {
			return nil, invalid(field+".threshold", st.Threshold, "must be in (0, 1] (the evaluation accuracy that ends the stage)")
		}
		if p := bytes.TrimSpace(st.Params); len(p) == 0 || p[0] != '{' {
			return nil, invalid(field+".params", orNothing(st.Params), "must be a JSON object of task parameters")
		}
		stask, err := tasks.New(task.Name(), task.Spec().Params, st.Params)
		if err != nil {
			return nil, fmt.Errorf("%s.params: %w", field, err)
		}
		if tasks.Width(stask.Inputs()) != in || tasks.Width(stask.Outputs()) != out || stask.DT() != task.DT() {
			return nil, invalid(field+".params", string(st.Params), "a stage must keep the task's inputs, outputs and dt")
		}
		name := st.Name
		if name == "" {
			name = fmt.Sprintf("stage%d", i+1)
		}
		specs[i] = Stage{Name: name, Params: compact(st.Params), Threshold: st.Threshold}
		r.Stages = append(r.Stages, stask)
		r.Train.Curriculum = append(r.Train.Curriculum, train.Stage{Name: name, Source: stask, Threshold: st.Threshold})
	}
	if len(r.Stages) > 0 {
		r.Train.Curriculum = append(r.Train.Curriculum, train.Stage{Name: "task", Source: task})
	}

	// The fully resolved config, as written to the run directory: dims
	// and dt are derived, so they are left out and hidden_size says the
	// size once.
	r.Config = Config{Seed: rc.Seed, HiddenSize: hidden, Task: task.Spec(), Curriculum: specs}
	if hasMask {
		delete(maskObj, "dims")
		r.Config.Mask, _ = json.Marshal(maskObj)
	}
	mj, err := mcfg.MarshalIndent()
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if r.Config.Model, err = without(mj, "dims", "dt"); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	r.Config.Train, _ = json.Marshal(r.Train)
	return r, nil
}

// inSection places an error of a section's package at its key in the run
// config: a *config.Error's field becomes the JSON path ("train" +
// "batch_size" → "train.batch_size", with the package's own prefix
// dropped); another error reads "key: ...".
func inSection(key string, err error) error {
	var e *config.Error
	if errors.As(err, &e) && e.Error() == err.Error() {
		c := *e
		c.Section, c.Field = "", key+"."+c.Field
		return &c
	}
	if strings.HasPrefix(err.Error(), key+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", key, err)
}

func orNothing(raw json.RawMessage) string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return "(missing)"
	}
	return string(raw)
}

func compact(raw json.RawMessage) json.RawMessage {
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

// without returns the JSON object raw less the given keys.
func without(raw json.RawMessage, keys ...string) (json.RawMessage, error) {
	m, err := object(raw, "object")
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		delete(m, k)
	}
	return json.Marshal(m)
}

// Marshal writes the config indented, one section per key.
func Marshal(rc Config) ([]byte, error) {
	b, err := json.Marshal(rc)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// WithSeed returns c with run seed s and the sections' own seeds removed,
// so every random thing (mask, weights, batches, evaluation) follows s.
func (c Config) WithSeed(s uint64) (Config, error) {
	c.Seed = s
	for _, sec := range []struct {
		raw  *json.RawMessage
		name string
		keys []string
	}{
		{&c.Mask, "mask", []string{"seed"}},
		{&c.Model, "model", []string{"seed"}},
		{&c.Train, "train", []string{"seed", "eval_seed"}},
	} {
		m, err := object(*sec.raw, sec.name)
		if err != nil {
			return c, err
		}
		if len(m) == 0 {
			continue
		}
		for _, k := range sec.keys {
			delete(m, k)
		}
		*sec.raw, _ = json.Marshal(m)
	}
	return c, nil
}

// WithTrain returns c with train.key set to v.
func (c Config) WithTrain(key string, v any) (Config, error) {
	m, err := object(c.Train, "train")
	if err != nil {
		return c, err
	}
	setAlways(m, key, v)
	c.Train, err = json.Marshal(m)
	return c, err
}

// WithoutDale is c as Yang et al. 2019 trained it: no mask (every
// synapse present) and no sign constraint (model.dale false), the rest
// unchanged. dale train --no-dale applies it.
func (c Config) WithoutDale() (Config, error) {
	m, err := object(c.Model, "model")
	if err != nil {
		return c, err
	}
	setAlways(m, "dale", false)
	c.Model, err = json.Marshal(m)
	c.Mask = nil
	return c, err
}
