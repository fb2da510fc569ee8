package rnn

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/npz"
)

// Names of the arrays a checkpoint holds besides the caller's extra arrays.
// All matrices are (pre, post).
var checkpointNames = []string{
	NameWIn, NameWRec, NameWOut, NameBRec, NameBOut, NameAlpha, NameInitState,
	"mask_in", "mask_rec", "mask_out",
	"w_in_eff", "w_rec_eff", "w_out_eff",
	"config_json",
	"plasticity_in", "plasticity_rec", "plasticity_out",
}

// IsCheckpointName reports whether name is one of the arrays Save writes
// itself (extra arrays may not use these names).
func IsCheckpointName(name string) bool {
	for _, n := range checkpointNames {
		if n == name {
			return true
		}
	}
	return false
}

// Save writes the model to one .npz file, atomically (temporary file in the
// same folder, fsync, rename): the raw parameters w_in, w_rec, w_out, b_rec,
// b_out, alpha and init_state (b_rec/b_out zero when the config has no bias,
// alpha = dt/tau when not learned, init_state zero when not learned), the
// masks in use mask_in, mask_rec, mask_out (all ones where a layer has none),
// the effective weights w_in_eff, w_rec_eff, w_out_eff, and the config as
// JSON bytes in the uint8 array config_json. Per-synapse plasticity (when a
// layer's is not one value everywhere) is stored as plasticity_in,
// plasticity_rec and plasticity_out. Parameters keep the model's
// dtype; masks are float32. extra arrays (for example a trainer's optimiser
// state) are stored alongside under their own names.
func (m *Model) Save(path string, extra ...npz.Array) error {
	saved := m.cfg.Clone()
	for i := range saved.Plasticity {
		if saved.Plasticity[i].Values != nil {
			// Go arrays are not JSON; the arrays plasticity_* carry them.
			saved.Plasticity[i] = Plasticity{Value: 1}
		}
	}
	cfgJSON, err := json.Marshal(saved)
	if err != nil {
		return fmt.Errorf("rnn: save: config: %w", err)
	}
	in, n, out := m.cfg.Dims[0], m.cfg.Dims[1], m.cfg.Dims[2]
	arr := func(name string, data []float64, shape ...int) npz.Array {
		a := npz.Array{Name: name, Shape: shape}
		if m.dtype == tensor.Float64 {
			a.Data = data
		} else {
			f := make([]float32, len(data))
			for i, x := range data {
				f[i] = float32(x)
			}
			a.Data = f
		}
		return a
	}
	param := func(name string, shape ...int) npz.Array {
		size := 1
		for _, s := range shape {
			size *= s
		}
		if p := m.byName[name]; p != nil {
			return npz.Array{Name: name, Shape: shape, Data: cloneData(p.Value.Data())}
		}
		switch name {
		case NameAlpha:
			return arr(name, m.alpha, shape...)
		}
		return arr(name, make([]float64, size), shape...)
	}
	arrays := []npz.Array{
		param(NameWIn, in, n), param(NameWRec, n, n), param(NameWOut, n, out),
		param(NameBRec, n), param(NameBOut, out), param(NameAlpha, n), param(NameInitState, n),
	}
	ms := m.MasksInUse()
	for i, mk := range [3][]float64{ms.Input, ms.Hidden, ms.Readout} {
		f := make([]float32, len(mk))
		for j, v := range mk {
			f[j] = float32(v)
		}
		sh := m.cfg.shapes()[i]
		arrays = append(arrays, npz.Array{Name: []string{"mask_in", "mask_rec", "mask_out"}[i], Shape: []int{sh[0], sh[1]}, Data: f})
	}
	ei, er, eo := m.Effective()
	for i, e := range []*tensor.Dense{ei, er, eo} {
		arrays = append(arrays, npz.Array{Name: []string{"w_in_eff", "w_rec_eff", "w_out_eff"}[i], Shape: []int(e.Shape().Clone()), Data: cloneData(e.Data())})
	}
	arrays = append(arrays, npz.Array{Name: "config_json", Shape: []int{len(cfgJSON)}, Data: cfgJSON})
	for i, name := range []string{NameWIn, NameWRec, NameWOut} {
		if pl := m.byName[name].Plasticity; pl != nil {
			sh := m.cfg.shapes()[i]
			arrays = append(arrays, npz.Array{Name: []string{"plasticity_in", "plasticity_rec", "plasticity_out"}[i], Shape: []int{sh[0], sh[1]}, Data: append([]float64(nil), pl...)})
		}
	}
	seen := map[string]bool{}
	for _, a := range extra {
		if IsCheckpointName(a.Name) {
			return config.Errorf("rnn: save: extra array %q is not allowed: the name is one of the model's own arrays %v", a.Name, checkpointNames)
		}
		if a.Name == "" || seen[a.Name] {
			return config.Errorf("rnn: save: extra array name %q is not allowed: names must be non-empty and unique", a.Name)
		}
		seen[a.Name] = true
		arrays = append(arrays, a)
	}
	if err := npz.Write(path, arrays...); err != nil {
		return fmt.Errorf("rnn: save %s: %w", path, err)
	}
	return nil
}

func cloneData(d any) any {
	switch x := d.(type) {
	case []float32:
		return append([]float32(nil), x...)
	case []float64:
		return append([]float64(nil), x...)
	}
	return d
}

// Load reads a checkpoint written by Save. It rebuilds the model from the
// stored config and arrays (no file named in the config is read again; the
// masks come from mask_in, mask_rec and mask_out), checks every array's
// shape and that the stored effective weights match the ones recomputed
// from the raw weights, and returns the arrays it does not know as extra.
func Load(path string) (*Model, map[string]npz.Array, error) {
	arrs, err := npz.Read(path)
	if err != nil {
		return nil, nil, fmt.Errorf("rnn: load %s: %w", path, err)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("rnn: load %s: "+format, append([]any{path}, args...)...)
	}
	cj, ok := arrs["config_json"]
	if !ok {
		return nil, nil, fail("no array config_json: not a dale model checkpoint (arrays: %v)", npz.Names(arrs))
	}
	b, ok := cj.Data.([]uint8)
	if !ok {
		return nil, nil, fail("array config_json holds %T, want uint8 JSON bytes", cj.Data)
	}
	cfg := DefaultConfig()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, nil, fail("config_json: %v", err)
	}
	cfg.MaskFile = "" // the masks are the stored arrays
	if err := cfg.Validate(); err != nil {
		return nil, nil, fail("config_json: %v", err)
	}
	in, n, out := cfg.Dims[0], cfg.Dims[1], cfg.Dims[2]
	get := func(name string, shape ...int) ([]float64, error) {
		a, ok := arrs[name]
		if !ok {
			return nil, fail("array %s is missing", name)
		}
		if !sameShape(a.Shape, shape) {
			return nil, fail("array %s has shape %v, want %v (dims %v)", name, a.Shape, shape, cfg.Dims)
		}
		v, err := a.Float64()
		if err != nil {
			return nil, fail("array %s: %v", name, err)
		}
		return v, nil
	}
	var masks [3][]float64
	for i, name := range []string{"mask_in", "mask_rec", "mask_out"} {
		sh := cfg.shapes()[i]
		if masks[i], err = get(name, sh[0], sh[1]); err != nil {
			return nil, nil, err
		}
		if err := checkMask(layerNames[i], masks[i], sh); err != nil {
			return nil, nil, fail("array %s: %v", name, err)
		}
	}
	// The stored masks already hold no_self_connections; folding it in again is harmless.
	ms := Masks{Input: masks[0], Hidden: masks[1], Readout: masks[2]}
	cfg.Masks = ms
	m, err := newModel(cfg, ms)
	if err != nil {
		return nil, nil, fail("%v", err)
	}
	shapes := map[string][]int{
		NameWIn: {in, n}, NameWRec: {n, n}, NameWOut: {n, out},
		NameBRec: {n}, NameBOut: {out}, NameAlpha: {n}, NameInitState: {n},
	}
	for _, name := range []string{NameWIn, NameWRec, NameWOut, NameBRec, NameBOut, NameAlpha, NameInitState} {
		v, err := get(name, shapes[name]...)
		if err != nil {
			return nil, nil, err
		}
		p := m.byName[name]
		if p == nil {
			continue
		}
		if err := setExact(p, arrs[name].Data, v); err != nil {
			return nil, nil, fail("array %s: %v", name, err)
		}
	}
	// Plasticity: the stored arrays (files named in the config are not read again).
	for i, name := range []string{NameWIn, NameWRec, NameWOut} {
		aname := []string{"plasticity_in", "plasticity_rec", "plasticity_out"}[i]
		if _, ok := arrs[aname]; !ok {
			continue
		}
		sh := cfg.shapes()[i]
		vals, err := get(aname, sh[0], sh[1])
		if err != nil {
			return nil, nil, err
		}
		for j, v := range vals {
			if !(v >= 0 && v <= 1) {
				return nil, nil, fail("array %s element %d is %v: must be in [0, 1]", aname, j, v)
			}
		}
		m.byName[name].Plasticity = vals
	}
	ei, er, eo := m.Effective()
	for i, e := range []*tensor.Dense{ei, er, eo} {
		name := []string{"w_in_eff", "w_rec_eff", "w_out_eff"}[i]
		sh := cfg.shapes()[i]
		v, err := get(name, sh[0], sh[1])
		if err != nil {
			return nil, nil, err
		}
		for j, x := range toFloat64(e.Data()) {
			if x != v[j] {
				return nil, nil, fail("array %s element %d is %v but the raw weights and masks give %v: the checkpoint is inconsistent", name, j, v[j], x)
			}
		}
	}
	extra := map[string]npz.Array{}
	for name, a := range arrs {
		if !IsCheckpointName(name) {
			extra[name] = a
		}
	}
	return m, extra, nil
}

// setExact writes stored data into p without rounding through float64 when
// the dtypes match.
func setExact(p *Param, data any, v []float64) error {
	switch dst := p.Value.Data().(type) {
	case []float32:
		if src, ok := data.([]float32); ok {
			copy(dst, src)
			return nil
		}
		for i, x := range v {
			dst[i] = float32(x)
		}
	case []float64:
		copy(dst, v)
	default:
		return fmt.Errorf("parameter holds %T", dst)
	}
	return nil
}
