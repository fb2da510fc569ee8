package rnn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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
// masks come from mask_in, mask_rec and mask_out) and returns the arrays it
// does not know as extra. Before it allocates the model it checks the
// whole checkpoint: the stored config validates; every parameter and
// effective-weight array is present, has the config's dtype and the shape
// its dims give, and holds only finite values (a learned alpha lies in
// (0, 1]); the masks have their shapes and hold only −1, 0 and +1 (and
// obey Dale's rule when it is on); plasticity arrays lie in [0, 1]; and the
// stored effective weights equal the ones recomputed from the raw weights
// and masks. An error names the file, the array and the first bad element,
// for example
//
//	rnn: checkpoint best.npz: b_rec[3] = NaN is not allowed: parameters must be finite
//
// (a *config.Error whose Section is "rnn: checkpoint best.npz"). A model
// that would not fit in the memory left (see [Config.ModelBytes]) is an
// error too.
func Load(path string) (*Model, map[string]npz.Array, error) {
	arrs, err := npz.ReadWith(path, npz.Options{MaxBytes: checkpointBound(path)})
	if err != nil {
		if strings.Contains(err.Error(), path) {
			return nil, nil, fmt.Errorf("rnn: checkpoint: %w", err)
		}
		return nil, nil, fmt.Errorf("rnn: checkpoint %s: %w", path, err)
	}
	ck := &checkpoint{path: path, arrs: arrs}
	m, err := ck.load()
	if err != nil {
		return nil, nil, err
	}
	extra := map[string]npz.Array{}
	for name, a := range arrs {
		if !IsCheckpointName(name) {
			extra[name] = a
		}
	}
	return m, extra, nil
}

// checkpointBound is the most memory Load lets a checkpoint's arrays take:
// a model's parameters, masks and effective weights with a trainer's
// state (moments, plasticity) take a few times the model's own bytes, so
// 8 × ModelBytes of the config the checkpoint declares, plus 64 MiB for
// what else it holds; a checkpoint without a readable config gets npz's
// default, and the error comes from reading it.
func checkpointBound(path string) int64 {
	arrs, err := npz.ReadWith(path, npz.Options{Names: []string{"config_json"}, MaxBytes: 16 << 20})
	if err != nil {
		return 0
	}
	cj, ok := arrs["config_json"]
	if !ok {
		return 0
	}
	b, ok := cj.Data.([]uint8)
	if !ok {
		return 0
	}
	cfg, err := ParseConfig(bytes.NewReader(b))
	if err != nil {
		return 0
	}
	mb := cfg.ModelBytes()
	if mb <= 0 || mb > (1<<62)/8 {
		return 0
	}
	return 8*mb + 64<<20
}

// checkpoint is one checkpoint being loaded.
type checkpoint struct {
	path string
	arrs map[string]npz.Array
	cfg  Config
}

func (ck *checkpoint) section() string { return "rnn: checkpoint " + ck.path }

// invalid returns the *config.Error "rnn: checkpoint PATH: FIELD = VALUE
// is not allowed: ALLOWED".
func (ck *checkpoint) invalid(field, value, allowed string, args ...any) error {
	if len(args) > 0 {
		allowed = fmt.Sprintf(allowed, args...)
	}
	return &config.Error{Section: ck.section(), Field: field, Value: value, Allowed: allowed}
}

func (ck *checkpoint) fail(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{ck.section()}, args...)...)
}

// wrap puts an error of package rnn ("rnn: ...") in the checkpoint's
// section: a *config.Error keeps its parts with the section replaced.
func (ck *checkpoint) wrap(err error) error {
	var ce *config.Error
	if errors.As(err, &ce) && ce.Error() == err.Error() {
		return config.Within(ck.section(), "", err)
	}
	return ck.fail("%s", strings.TrimPrefix(err.Error(), "rnn: "))
}

// readConfig decodes and validates config_json.
func (ck *checkpoint) readConfig() error {
	cj, ok := ck.arrs["config_json"]
	if !ok {
		return ck.fail("no array config_json: not a dale model checkpoint (arrays: %s)", arrayNames(ck.arrs))
	}
	b, ok := cj.Data.([]uint8)
	if !ok || len(cj.Shape) != 1 {
		return ck.invalid("config_json", fmt.Sprintf("an array of %s of shape %s", dtypeName(cj.Data), shapeText(cj.Shape)), "must be a 1-d uint8 array holding the config as JSON bytes")
	}
	cfg, err := decodeConfig(b)
	if err != nil {
		return ck.fail("config_json: %v", err)
	}
	cfg.MaskFile = "" // the masks are the stored arrays
	if err := cfg.Validate(); err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			return config.Within(ck.section(), "config_json", err)
		}
		return ck.fail("config_json: %s", strings.TrimPrefix(err.Error(), "rnn: "))
	}
	ck.cfg = cfg
	return nil
}

// array returns the named array after checking that it is there and has
// the shape want.
func (ck *checkpoint) array(name string, want []int) (npz.Array, error) {
	a, ok := ck.arrs[name]
	if !ok {
		return a, ck.invalid(name, "missing", "a checkpoint written by rnn.Model.Save has every array of the model (%s)", strings.Join(checkpointNames[:13], ", "))
	}
	if !sameShape(a.Shape, want) {
		return a, ck.invalid(name, "an array of shape "+shapeText(a.Shape), "must have shape %s for the config's dims %v", shapeText(want), ck.cfg.Dims)
	}
	return a, nil
}

// floats returns a parameter-like array (raw parameters and effective
// weights) of the config's dtype, checked for finite values.
func (ck *checkpoint) floats(name string, want []int) (npz.Array, []float64, error) {
	a, err := ck.array(name, want)
	if err != nil {
		return a, nil, err
	}
	if got := dtypeName(a.Data); got != ck.cfg.DType {
		return a, nil, ck.invalid(name, "an array of "+got, "must be %s, the dtype of the checkpoint's config", ck.cfg.DType)
	}
	if i, x := firstNonFiniteData(a.Data); i >= 0 {
		return a, nil, ck.invalid(name+elementIndex(i, want), fmt.Sprint(x), "parameters must be finite")
	}
	v, err := a.Float64()
	if err != nil {
		return a, nil, ck.fail("array %s: %v", name, err)
	}
	return a, v, nil
}

func (ck *checkpoint) load() (*Model, error) {
	if err := ck.readConfig(); err != nil {
		return nil, err
	}
	cfg := ck.cfg
	in, n, out := cfg.Dims[0], cfg.Dims[1], cfg.Dims[2]
	shapes := cfg.shapes()
	paramShapes := map[string][]int{
		NameWIn: {in, n}, NameWRec: {n, n}, NameWOut: {n, out},
		NameBRec: {n}, NameBOut: {out}, NameAlpha: {n}, NameInitState: {n},
	}
	paramNames := []string{NameWIn, NameWRec, NameWOut, NameBRec, NameBOut, NameAlpha, NameInitState}
	params := map[string]npz.Array{}
	for _, name := range paramNames {
		a, v, err := ck.floats(name, paramShapes[name])
		if err != nil {
			return nil, err
		}
		if name == NameAlpha && cfg.LearnAlpha {
			for j, x := range v {
				if !(x > 0 && x <= 1) {
					return nil, ck.invalid(name+elementIndex(j, paramShapes[name]), valueText(x, cfg.DType != Float64), "a learned alpha must be in (0, 1]")
				}
			}
		}
		params[name] = a
	}
	var masks [3][]float64
	for i, name := range []string{"mask_in", "mask_rec", "mask_out"} {
		sh := []int{shapes[i][0], shapes[i][1]}
		a, err := ck.array(name, sh)
		if err != nil {
			return nil, err
		}
		v, err := a.Float64()
		if err != nil {
			return nil, ck.fail("array %s: %v", name, err)
		}
		for j, x := range v {
			if x != -1 && x != 0 && x != 1 {
				return nil, ck.invalid(name+elementIndex(j, sh), fmt.Sprint(x), "masks must be −1, 0 or +1")
			}
		}
		masks[i] = v
	}
	var plast [3][]float64
	for i, name := range []string{"plasticity_in", "plasticity_rec", "plasticity_out"} {
		if _, ok := ck.arrs[name]; !ok {
			continue
		}
		sh := []int{shapes[i][0], shapes[i][1]}
		a, err := ck.array(name, sh)
		if err != nil {
			return nil, err
		}
		if d := dtypeName(a.Data); d != Float32 && d != Float64 {
			return nil, ck.invalid(name, "an array of "+d, "must be float32 or float64")
		}
		v, err := a.Float64()
		if err != nil {
			return nil, ck.fail("array %s: %v", name, err)
		}
		for j, x := range v {
			if !(x >= 0 && x <= 1) {
				return nil, ck.invalid(name+elementIndex(j, sh), fmt.Sprint(x), "plasticity must be in [0, 1]")
			}
		}
		plast[i] = v
	}
	effs := [3][]float64{}
	for i, name := range []string{"w_in_eff", "w_rec_eff", "w_out_eff"} {
		_, v, err := ck.floats(name, []int{shapes[i][0], shapes[i][1]})
		if err != nil {
			return nil, err
		}
		effs[i] = v
	}
	if err := checkModelMemory(cfg); err != nil {
		return nil, ck.wrap(err)
	}
	// The stored masks already hold no_self_connections; folding it in again is harmless.
	ms := Masks{Input: masks[0], Hidden: masks[1], Readout: masks[2]}
	cfg.Masks = ms
	m, err := newModel(cfg, ms)
	if err != nil {
		return nil, ck.wrap(err)
	}
	for _, name := range paramNames {
		p := m.byName[name]
		if p == nil {
			continue
		}
		if err := setExact(p, params[name].Data); err != nil {
			return nil, ck.fail("array %s: %v", name, err)
		}
	}
	// Plasticity: the stored arrays (files named in the config are not read again).
	for i, name := range []string{NameWIn, NameWRec, NameWOut} {
		if plast[i] != nil {
			m.byName[name].Plasticity = plast[i]
		}
	}
	ei, er, eo := m.Effective()
	for i, e := range []*tensor.Dense{ei, er, eo} {
		name := []string{"w_in_eff", "w_rec_eff", "w_out_eff"}[i]
		for j, x := range toFloat64(e.Data()) {
			if x != effs[i][j] {
				f32 := cfg.DType != Float64
				return nil, ck.invalid(name+elementIndex(j, []int{shapes[i][0], shapes[i][1]}), valueText(effs[i][j], f32),
					"the raw weights and masks give %s (the checkpoint is inconsistent)", valueText(x, f32))
			}
		}
	}
	return m, nil
}

// setExact copies stored data of the parameter's own dtype into p.
func setExact(p *Param, data any) error {
	switch dst := p.Value.Data().(type) {
	case []float32:
		src, ok := data.([]float32)
		if !ok || len(src) != len(dst) {
			return fmt.Errorf("holds %s data for a float32 parameter of %d values", dtypeName(data), len(dst))
		}
		copy(dst, src)
	case []float64:
		src, ok := data.([]float64)
		if !ok || len(src) != len(dst) {
			return fmt.Errorf("holds %s data for a float64 parameter of %d values", dtypeName(data), len(dst))
		}
		copy(dst, src)
	default:
		return fmt.Errorf("parameter holds %T", dst)
	}
	return nil
}
