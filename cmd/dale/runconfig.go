package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dale-rnn/dale/mask"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/tasks"
	"github.com/dale-rnn/dale/train"
)

// defaultConfigJSON is the run that a bare "dale train" trains: a two-area
// E/I network (MultiAreaEI) on perceptual decision making.
//
//go:embed default.json
var defaultConfigJSON []byte

// runConfig is the JSON of a run: what to build and how to train it. Each
// section is the JSON of its package (mask, rnn, tasks, train), so every
// field a package documents can be set here.
type runConfig struct {
	// Seed seeds everything that has no seed of its own in its section:
	// the mask, the initial weights, the training batches (train.seed) and
	// the evaluation trials (train.eval_seed = seed + 1).
	Seed uint64 `json:"seed"`
	// HiddenSize is the number of hidden neurons when neither model.dims
	// nor mask.dims gives it (so a config can leave dims to the task).
	HiddenSize int `json:"hidden_size,omitempty"`
	// Task selects the task: {"name": "pdm", "params": {...}}.
	Task tasks.Spec `json:"task"`
	// Mask is a mask config of package mask ({"type": "multi_area_ei",
	// ...}); its dims may be left out (they come from the task and
	// model.dims). Null or absent: no mask (or model.masks, an .npz file).
	Mask json.RawMessage `json:"mask,omitempty"`
	// Model is the rnn config (nn4n names). dims and dt may be left out:
	// they come from the task and the mask.
	Model json.RawMessage `json:"model,omitempty"`
	// Train holds the training options of package train.
	Train json.RawMessage `json:"train,omitempty"`
}

// resolved is a run config turned into the objects it describes.
type resolved struct {
	cfg   runConfig // fully resolved: every default written out
	task  tasks.Task
	mask  mask.Mask // nil when the run has no mask config
	model rnn.Config
	train train.Options
}

// parseRunConfig decodes a run config strictly (unknown keys are errors).
func parseRunConfig(data []byte, source string) (runConfig, error) {
	var rc runConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rc); err != nil {
		return runConfig{}, fmt.Errorf("config %s: %v", source, jsonErr(err))
	}
	if dec.More() {
		return runConfig{}, fmt.Errorf("config %s: unexpected data after the JSON object", source)
	}
	if rc.Task.Name == "" {
		return runConfig{}, fmt.Errorf("config %s: task.name is missing; allowed: %s", source, strings.Join(tasks.Names(), ", "))
	}
	return rc, nil
}

// loadRunConfig reads a run config file, or the embedded default when path
// is empty. Relative file paths inside model (masks, .npy weights) are
// taken relative to the config file's folder.
func loadRunConfig(path string) (runConfig, string, error) {
	if path == "" {
		rc, err := parseRunConfig(defaultConfigJSON, "(default)")
		return rc, "", err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return runConfig{}, "", fmt.Errorf("config: %v", err)
	}
	rc, err := parseRunConfig(data, path)
	return rc, filepath.Dir(path), err
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

// resolve builds the task, the mask, the model config and the training
// options of rc, filling what one section takes from another: dims from the
// task (inputs, outputs) and from the mask or model (hidden size), dt from
// the task, seeds from the run seed. dir is the config file's folder.
func resolve(rc runConfig, dir string) (*resolved, error) {
	task, err := tasks.FromSpec(rc.Task)
	if err != nil {
		return nil, fmt.Errorf("task: %v", err)
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
		return nil, fmt.Errorf("hidden_size = %d is not allowed: must be > 0", rc.HiddenSize)
	}
	if rc.HiddenSize > 0 {
		hidden = rc.HiddenSize
	}
	var mdims, kdims []int
	if raw, ok := model["dims"]; ok {
		if err := json.Unmarshal(raw, &mdims); err != nil || len(mdims) != 3 {
			return nil, fmt.Errorf("model.dims = %s is not allowed: want [input, hidden, readout] integers", raw)
		}
		hidden = mdims[1]
	}
	if raw, ok := maskObj["dims"]; ok {
		if err := json.Unmarshal(raw, &kdims); err != nil || len(kdims) != 3 {
			return nil, fmt.Errorf("mask.dims = %s is not allowed: want [input, hidden, readout] integers", raw)
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

	r := &resolved{task: task}
	if hasMask {
		setAlways(maskObj, "dims", dims)
		setIfAbsent(maskObj, "seed", rc.Seed)
		b, _ := json.Marshal(maskObj)
		m, err := mask.FromJSON(b)
		if err != nil {
			return nil, fmt.Errorf("mask: %v", err)
		}
		var file string
		if raw, ok := model["masks"]; ok && json.Unmarshal(raw, &file) == nil && file != "" {
			return nil, fmt.Errorf("model.masks and mask are both set; give the mask either as a config (mask) or as an .npz file (model.masks), not both")
		}
		r.mask = m
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
		return nil, fmt.Errorf("model: %v", err)
	}
	if mcfg.MaskFile != "" && dir != "" && !filepath.IsAbs(mcfg.MaskFile) {
		mcfg.MaskFile = filepath.Join(dir, mcfg.MaskFile)
	}
	for i, w := range mcfg.Weights {
		if strings.HasSuffix(w, ".npy") && dir != "" && !filepath.IsAbs(w) {
			mcfg.Weights[i] = filepath.Join(dir, w)
		}
	}
	if r.mask != nil {
		min, mh, mout := r.mask.Masks()
		mcfg.Masks = rnn.Masks{Input: f64(min.Data), Hidden: f64(mh.Data), Readout: f64(mout.Data)}
	}
	r.model = mcfg

	tobj, err := object(rc.Train, "train")
	if err != nil {
		return nil, err
	}
	setIfAbsent(tobj, "seed", rc.Seed)
	setIfAbsent(tobj, "eval_seed", rc.Seed+1)
	b, _ = json.Marshal(tobj)
	opts, err := train.DecodeOptions(b)
	if err != nil {
		return nil, fmt.Errorf("train: %v", err)
	}
	if err := checkTargets(task, opts); err != nil {
		return nil, err
	}
	r.train = opts.WithDefaults()

	// The fully resolved config, as written to the run directory.
	r.cfg = runConfig{Seed: rc.Seed, HiddenSize: hidden, Task: task.Spec()}
	if hasMask {
		r.cfg.Mask, _ = json.Marshal(maskObj)
	}
	mj, err := mcfg.MarshalIndent()
	if err != nil {
		return nil, fmt.Errorf("model: %v", err)
	}
	r.cfg.Model = mj
	r.cfg.Train, _ = json.Marshal(r.train)
	return r, nil
}

func f64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// marshalRunConfig writes the config indented, one section per key.
func marshalRunConfig(rc runConfig) ([]byte, error) {
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
