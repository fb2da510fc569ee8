package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/internal/linalg"
	"github.com/dale-rnn/dale/npz"
)

// minAbsWeight is the smallest magnitude a raw weight starts with where its
// mask is nonzero under Dale's rule: the gradient of |w| is sign(w), which is
// 0 at exactly 0, so a raw weight at 0 could never move.
const minAbsWeight = 1e-6

// loadMasks returns the masks of cfg: the Go arrays where given, else the
// arrays of cfg.MaskFile. The result is validated against cfg.Dims.
func loadMasks(cfg Config) (Masks, error) {
	ms := Masks{Input: cloneF(cfg.Masks.Input), Hidden: cloneF(cfg.Masks.Hidden), Readout: cloneF(cfg.Masks.Readout)}
	if cfg.MaskFile != "" {
		// Only the three masks are read: other arrays of the file are not
		// decoded at all.
		bound := int64(0)
		for _, sh := range cfg.shapes() {
			bound += 8 * int64(sh[0]) * int64(sh[1]) // float64 at most
		}
		arrs, err := npz.ReadWith(cfg.MaskFile, npz.Options{Names: layerNames[:], MaxBytes: bound})
		if err != nil {
			return Masks{}, fmt.Errorf("rnn: masks = %q: %w", cfg.MaskFile, err)
		}
		shapes := cfg.shapes()
		dst := [3]*[]float64{&ms.Input, &ms.Hidden, &ms.Readout}
		found := 0
		for i, name := range layerNames {
			a, ok := arrs[name]
			if !ok {
				continue
			}
			found++
			if *dst[i] != nil {
				continue // the Go array wins
			}
			if len(a.Shape) != 2 || a.Shape[0] != shapes[i][0] || a.Shape[1] != shapes[i][1] {
				return Masks{}, fmt.Errorf("rnn: masks = %q: array %q has shape %v, want [%d %d] for dims %v", cfg.MaskFile, name, a.Shape, shapes[i][0], shapes[i][1], cfg.Dims)
			}
			v, err := a.Float64()
			if err != nil {
				return Masks{}, fmt.Errorf("rnn: masks = %q: array %q: %w", cfg.MaskFile, name, err)
			}
			*dst[i] = v
		}
		if found == 0 {
			var names []string
			if infos, err := npz.List(cfg.MaskFile); err == nil {
				for _, in := range infos {
					names = append(names, in.Name)
				}
			}
			return Masks{}, fmt.Errorf("rnn: masks = %q has none of the arrays input, hidden, readout (it has %v)", cfg.MaskFile, names)
		}
	}
	shapes := cfg.shapes()
	for i, m := range [3][]float64{ms.Input, ms.Hidden, ms.Readout} {
		if m != nil {
			if err := checkMask(layerNames[i], m, shapes[i]); err != nil {
				return Masks{}, err
			}
		}
	}
	return ms, nil
}

// underDale returns the masks the dale rule reads (the default of dale,
// checkDale): all three, less the input mask when input_sign is "free".
func (ms Masks) underDale(inputSign string) Masks {
	if inputSign == InputSignFree {
		ms.Input = nil
	}
	return ms
}

// signed reports whether any mask holds a −1.
func (ms Masks) signed() bool {
	for _, m := range [3][]float64{ms.Input, ms.Hidden, ms.Readout} {
		for _, v := range m {
			if v < 0 {
				return true
			}
		}
	}
	return false
}

// checkDale checks that under Dale's rule every sending unit has one sign:
// no row of a mask mixes +1 and −1, and a hidden neuron that is inhibitory in
// one of the hidden and readout masks is not excitatory in the other.
func checkDale(ms Masks, shapes [3][2]int) error {
	rowSign := func(layer string, m []float64, cols int) ([]int, error) {
		rows := len(m) / cols
		s := make([]int, rows)
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				v := int(m[r*cols+c])
				if v == 0 {
					continue
				}
				if s[r] != 0 && s[r] != v {
					return nil, fmt.Errorf("rnn: masks.%s row %d mixes +1 and −1: with dale every sending unit (a row, orientation (pre, post)) must have one sign", layer, r)
				}
				s[r] = v
			}
		}
		return s, nil
	}
	if ms.Input != nil {
		if _, err := rowSign("input", ms.Input, shapes[0][1]); err != nil {
			return err
		}
	}
	var hs, rs []int
	var err error
	if ms.Hidden != nil {
		if hs, err = rowSign("hidden", ms.Hidden, shapes[1][1]); err != nil {
			return err
		}
	}
	if ms.Readout != nil {
		if rs, err = rowSign("readout", ms.Readout, shapes[2][1]); err != nil {
			return err
		}
	}
	for i := range hs {
		if rs != nil && hs[i] != 0 && rs[i] != 0 && hs[i] != rs[i] {
			return fmt.Errorf("rnn: neuron %d is %s in masks.hidden but %s in masks.readout: with dale a neuron has one sign", i, signName(hs[i]), signName(rs[i]))
		}
	}
	return nil
}

func signName(s int) string {
	if s < 0 {
		return "inhibitory"
	}
	return "excitatory"
}

// drawWeights returns a rows×cols matrix drawn per spec (uniform or normal
// with 1/√fan_in scaling, fan_in = rows), or read from an .npy file whose
// values must be finite in the model's dtype (f32: float32).
func drawWeights(field, spec string, rows, cols int, f32 bool, rng *rand.Rand) ([]float64, error) {
	switch spec {
	case "uniform", "normal":
	default:
		return readNPYShape(field, spec, []int{rows, cols}, f32, "weights")
	}
	w := make([]float64, rows*cols)
	s := 1 / math.Sqrt(float64(rows))
	if spec == "uniform" {
		for i := range w {
			w[i] = (2*rng.Float64() - 1) * s
		}
	} else {
		for i := range w {
			w[i] = rng.NormFloat64() * s
		}
	}
	return w, nil
}

// drawBias returns a bias of length n drawn per spec with fan_in fanIn,
// or read from an .npy file as drawWeights does.
func drawBias(field, spec string, n, fanIn int, f32 bool, rng *rand.Rand) ([]float64, error) {
	switch spec {
	case "zero", "uniform", "normal":
	default:
		return readNPYShape(field, spec, []int{n}, f32, "biases")
	}
	b := make([]float64, n)
	s := 1 / math.Sqrt(float64(fanIn))
	switch spec {
	case "uniform":
		for i := range b {
			b[i] = (2*rng.Float64() - 1) * s
		}
	case "normal":
		for i := range b {
			b[i] = rng.NormFloat64() * s
		}
	}
	return b, nil
}

// readNPYShape reads an .npy file named by the config field, checks its
// shape and that every value is finite once converted to the model's
// dtype (f32: float32, where 1e300 becomes +Inf); what names the values in
// the error ("weights", "biases", "plasticity"). Errors read
// `rnn: weights[1] = "w.npy" is not allowed: its element [0, 3] is NaN, and weights must be finite`.
func readNPYShape(field, path string, shape []int, f32 bool, what string) ([]float64, error) {
	bad := func(allowed string, args ...any) error {
		return config.Invalid("rnn", field, path, allowed, args...)
	}
	a, err := npz.ReadNPYFile(path)
	if err != nil {
		return nil, fmt.Errorf("rnn: %s = %q: %w", field, path, err)
	}
	if !sameShape(a.Shape, shape) {
		return nil, bad("the array has shape %s, and it must have shape %s", shapeText(a.Shape), shapeText(shape))
	}
	v, err := a.Float64()
	if err != nil {
		return nil, fmt.Errorf("rnn: %s = %q: %w", field, path, err)
	}
	if i, x := firstNonFinite(v, f32); i >= 0 {
		if y := v[i]; f32 && !math.IsNaN(y) && !math.IsInf(y, 0) {
			return nil, bad("its element %s is %v, which is %v as float32 (the config's dtype), and %s must be finite", elementIndex(i, shape), y, x, what)
		}
		return nil, bad("its element %s is %v, and %s must be finite", elementIndex(i, shape), x, what)
	}
	return v, nil
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// prepareRaw makes raw weights fit the masking rule: where a mask is 0 the
// raw weight is set to 0 (it never matters); with dale the raw weight becomes
// its magnitude, at least minAbsWeight, where the mask is nonzero (so W_eff =
// |W| ⊙ M keeps the magnitude drawn and takes the sign from the mask).
func prepareRaw(w, mask []float64, dale bool) {
	for i := range w {
		if mask != nil && mask[i] == 0 {
			w[i] = 0
			continue
		}
		if dale {
			w[i] = math.Max(math.Abs(w[i]), minAbsWeight)
		}
	}
}

// effective computes W_eff from raw w and mask (nil = none) in float64.
func effective(w, mask []float64, dale bool) []float64 {
	e := make([]float64, len(w))
	for i, x := range w {
		m := 1.0
		if mask != nil {
			m = mask[i]
		}
		if dale {
			e[i] = math.Abs(x) * m
		} else {
			e[i] = x * math.Abs(m)
		}
	}
	return e
}

// balanceEI applies nn4n's E/I balance to the raw weights w (rows×cols,
// (pre, post): the recurrent or the readout matrix) whose effective matrix
// under mask is eff: the larger of the summed excitatory and summed
// inhibitory magnitudes is scaled down to the smaller, over the whole
// matrix ("global") or per post-synaptic column ("neuron"). Groups with
// only one sign are left alone.
func balanceEI(w, eff []float64, rows, cols int, mode string) {
	scale := func(idx func(yield func(int) bool)) {
		var exc, inh float64
		for i := range idx {
			if eff[i] > 0 {
				exc += eff[i]
			} else if eff[i] < 0 {
				inh -= eff[i]
			}
		}
		if exc == 0 || inh == 0 || exc == inh {
			return
		}
		for i := range idx {
			switch {
			case exc > inh && eff[i] > 0:
				w[i] *= inh / exc
			case inh > exc && eff[i] < 0:
				w[i] *= exc / inh
			}
		}
	}
	switch mode {
	case "global":
		scale(func(yield func(int) bool) {
			for i := range w {
				if !yield(i) {
					return
				}
			}
		})
	case "neuron":
		for c := 0; c < cols; c++ {
			scale(func(yield func(int) bool) {
				for r := 0; r < rows; r++ {
					if !yield(r*cols + c) {
						return
					}
				}
			})
		}
	}
}

// spectralRadius returns the largest eigenvalue modulus of the n×n matrix a
// (linalg.SpectralRadius), for spectral_radius.
func spectralRadius(a []float64, n int) (float64, error) {
	r, err := linalg.SpectralRadius(a, n)
	if err != nil {
		return 0, fmt.Errorf("rnn: spectral_radius: %w", err)
	}
	return r, nil
}
