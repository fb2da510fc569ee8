package mask

import (
	"math"
	"slices"
)

// RandomInputConfig describes a single network whose input and readout
// neurons are chosen at random (nn4n's RandomInput). Nil pointers mean
// nn4n's defaults.
type RandomInputConfig struct {
	// Dims is [input_dim, hidden_size, readout_dim] ("dims"); zero means
	// [1, 100, 1].
	Dims [3]int
	// InputSpar ("input_spar") is the fraction of neurons that receive
	// input, in [0, 1]: ⌊hidden_size·input_spar⌋ neurons chosen at random
	// receive every input channel. Nil means 1.
	InputSpar *float64
	// ReadoutSpar ("readout_spar") is the fraction of neurons read out, in
	// [0, 1]. Nil means 1.
	ReadoutSpar *float64
	// HiddenSpar ("hidden_spar") is the density of the hidden mask, in
	// [0, 1]. Nil means 1.
	HiddenSpar *float64
	// Overlap ("overlap") lets a neuron both receive input and be read out.
	// When false, read-out neurons are chosen among the neurons without
	// input, so input_spar + readout_spar must be at most 1. Nil means true.
	Overlap *bool
	// Seed seeds the random draws ("seed").
	Seed uint64
}

// RandomInput is a network mask with randomly chosen input and readout
// neurons. Its two areas, area_input and area_readout, are those neurons
// (they may overlap).
type RandomInput struct {
	base
	inputSpar, readoutSpar, hiddenSpar float64
	overlap                            bool
}

// Type returns "random_input".
func (RandomInputConfig) Type() string { return TypeRandomInput }

// WithSeed returns a copy of c with Seed replaced.
func (c RandomInputConfig) WithSeed(seed uint64) Config { c.Seed = seed; return c }

// Build builds the mask c describes.
func (c RandomInputConfig) Build() (Mask, error) { return NewRandomInput(c) }

// NewRandomInput validates c and draws the masks: first the hidden mask
// (one Bernoulli draw per pair, row-major), then the input neurons, then the
// readout neurons.
func NewRandomInput(c RandomInputConfig) (*RandomInput, error) {
	dims, err := checkDims(c.Dims)
	if err != nil {
		return nil, err
	}
	m := &RandomInput{base: base{typ: TypeRandomInput, seed: c.Seed, dims: dims},
		inputSpar: 1, readoutSpar: 1, hiddenSpar: 1, overlap: true}
	for _, f := range []struct {
		name string
		p    *float64
		dst  *float64
	}{{"input_spar", c.InputSpar, &m.inputSpar}, {"readout_spar", c.ReadoutSpar, &m.readoutSpar}, {"hidden_spar", c.HiddenSpar, &m.hiddenSpar}} {
		if f.p == nil {
			continue
		}
		if err := checkProb(f.name, *f.p); err != nil {
			return nil, err
		}
		*f.dst = *f.p
	}
	if c.Overlap != nil {
		m.overlap = *c.Overlap
	}
	if !m.overlap && m.inputSpar+m.readoutSpar > 1 {
		return nil, invalid("readout_spar", m.readoutSpar, "with overlap false, input_spar + readout_spar must be at most 1 (input_spar is %s)", formatFloat(m.inputSpar))
	}
	in, n, out := dims[0], dims[1], dims[2]
	nIn := int(math.Floor(float64(n) * m.inputSpar))
	nOut := int(math.Floor(float64(n) * m.readoutSpar))
	if !m.overlap && nIn+nOut > n { // cannot happen when the sum is ≤ 1; kept so no input can panic
		return nil, invalid("readout_spar", m.readoutSpar, "with overlap false, input and readout neurons must fit in hidden_size %d", n)
	}

	r := newRand(c.Seed)
	m.hidden = newGrid(n, n)
	switch p := m.hiddenSpar; {
	case p >= 1:
		for i := range m.hidden.data {
			m.hidden.data[i] = 1
		}
	case p > 0:
		t := threshold(p)
		for i := range m.hidden.data {
			if r.Uint64()>>11 < t {
				m.hidden.data[i] = 1
			}
		}
	}

	perm := r.Perm(n)
	inputIdx := slices.Clone(perm[:nIn])
	var readoutIdx []int
	if m.overlap {
		readoutIdx = slices.Clone(r.Perm(n)[:nOut])
	} else {
		// perm[nIn:] holds the neurons without input in random order.
		readoutIdx = slices.Clone(perm[nIn : nIn+nOut])
	}
	slices.Sort(inputIdx)
	slices.Sort(readoutIdx)

	m.input = newGrid(in, n)
	for ch := 0; ch < in; ch++ {
		for _, j := range inputIdx {
			m.input.data[ch*n+j] = 1
		}
	}
	m.readout = newGrid(n, out)
	for _, i := range readoutIdx {
		for c := 0; c < out; c++ {
			m.readout.data[i*out+c] = 1
		}
	}
	m.areas = []Area{{Name: "area_input", Indices: inputIdx}, {Name: "area_readout", Indices: readoutIdx}}
	return m, nil
}

// Specs returns dims, hidden_size, input_dim, readout_dim, input_spar,
// readout_spar, hidden_spar and overlap.
func (m *RandomInput) Specs() Specs {
	return Specs{
		{"dims", dimsList(m.dims)},
		{"hidden_size", m.dims[1]},
		{"input_dim", m.dims[0]},
		{"readout_dim", m.dims[2]},
		{"input_spar", m.inputSpar},
		{"readout_spar", m.readoutSpar},
		{"hidden_spar", m.hiddenSpar},
		{"overlap", m.overlap},
	}
}
