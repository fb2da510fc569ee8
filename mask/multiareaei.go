package mask

import "math"

// MultiAreaEIConfig describes a multi-area network with excitatory and
// inhibitory neurons (nn4n's MultiAreaEI): everything of MultiAreaConfig
// plus the E/I parameters. Nil pointers mean nn4n's defaults; Go 1.26's
// new(expr) sets them inline, e.g. ExcPct: new(0.5).
type MultiAreaEIConfig struct {
	MultiAreaConfig
	// ExcPct ("exc_pct") is the fraction of excitatory neurons in each
	// area, in [0, 1]: the first ⌊size·exc_pct⌋ neurons of an area are
	// excitatory, the rest inhibitory. Nil means 0.8.
	ExcPct *float64
	// InterAreaConnections ("inter_area_connections") keeps, between
	// different areas only, the synapses of each kind named sender→receiver:
	// [E→E, E→I, I→E, I→I] (nn4n's exc_exc, exc_inh, inh_exc, inh_inh).
	// Within-area synapses are never removed. Nil means all true.
	InterAreaConnections *[4]bool
	// InhReadout ("inh_readout") lets inhibitory neurons project to the
	// readout. Nil means true.
	InhReadout *bool
}

// MultiAreaEI is a multi-area network mask with E/I signs: rows of
// inhibitory neurons are negative in the hidden and readout masks; the input
// mask stays 0/1.
type MultiAreaEI struct {
	MultiArea
	excPct     float64
	inter      [4]bool
	inhReadout bool
	exc        []bool
}

// Type returns "multi_area_ei".
func (MultiAreaEIConfig) Type() string { return TypeMultiAreaEI }

// WithSeed returns a copy of c with Seed replaced.
func (c MultiAreaEIConfig) WithSeed(seed uint64) Config { c.Seed = seed; return c }

// Build builds the mask c describes.
func (c MultiAreaEIConfig) Build() (Mask, error) { return NewMultiAreaEI(c) }

// NewMultiAreaEI validates c and draws the masks. The random draws are those
// of NewMultiArea with the same MultiAreaConfig; signs and the
// inter-area switches are applied afterwards, so changing only E/I
// parameters never changes which pairs were drawn.
func NewMultiAreaEI(c MultiAreaEIConfig) (*MultiAreaEI, error) {
	ma, err := c.MultiAreaConfig.resolve(TypeMultiAreaEI)
	if err != nil {
		return nil, err
	}
	m := &MultiAreaEI{MultiArea: *ma, excPct: 0.8, inter: [4]bool{true, true, true, true}, inhReadout: true}
	if c.ExcPct != nil {
		if err := checkProb("exc_pct", *c.ExcPct); err != nil {
			return nil, err
		}
		m.excPct = *c.ExcPct
	}
	if c.InterAreaConnections != nil {
		m.inter = *c.InterAreaConnections
	}
	if c.InhReadout != nil {
		m.inhReadout = *c.InhReadout
	}
	m.assign()
	m.MultiArea.draw(newRand(c.Seed))
	m.sign()
	return m, nil
}

// assign marks the first ⌊size·exc_pct⌋ neurons of each area excitatory.
func (m *MultiAreaEI) assign() {
	m.exc = make([]bool, m.dims[1])
	for _, a := range m.areas {
		nExc := int(math.Floor(float64(len(a.Indices)) * m.excPct))
		for _, n := range a.Indices[:nExc] {
			m.exc[n] = true
		}
	}
}

// sign negates inhibitory rows and removes the switched-off inter-area
// synapses and, without inh_readout, inhibitory readout synapses.
func (m *MultiAreaEI) sign() {
	n, out := m.dims[1], m.dims[2]
	for pre := 0; pre < n; pre++ {
		row := m.hidden.data[pre*n : (pre+1)*n]
		var s int8 = 1
		kindBase := 0 // index into inter: 0 E→E, 1 E→I, 2 I→E, 3 I→I
		if !m.exc[pre] {
			s, kindBase = -1, 2
		}
		a := m.areaOf[pre]
		for post, v := range row {
			if v == 0 {
				continue
			}
			kind := kindBase
			if !m.exc[post] {
				kind++
			}
			if m.areaOf[post] != a && !m.inter[kind] {
				row[post] = 0
				continue
			}
			row[post] = s
		}
		rrow := m.readout.data[pre*out : (pre+1)*out]
		for c, v := range rrow {
			switch {
			case v == 0 || m.exc[pre]:
			case !m.inhReadout:
				rrow[c] = 0
			default:
				rrow[c] = -1
			}
		}
	}
}

// Specs returns the MultiArea specs plus exc_pct, inter_area_connections
// and inh_readout.
func (m *MultiAreaEI) Specs() Specs {
	return append(m.MultiArea.Specs(),
		Spec{"exc_pct", m.excPct},
		Spec{"inter_area_connections", []bool{m.inter[0], m.inter[1], m.inter[2], m.inter[3]}},
		Spec{"inh_readout", m.inhReadout},
	)
}

// Excitatory reports, per hidden neuron, whether it is excitatory.
func (m *MultiAreaEI) Excitatory() []bool { return append([]bool(nil), m.exc...) }

// ExcitatoryIndices returns the excitatory neurons of area i.
func (m *MultiAreaEI) ExcitatoryIndices(i int) ([]int, error) { return m.byType(i, true) }

// InhibitoryIndices returns the inhibitory neurons of area i.
func (m *MultiAreaEI) InhibitoryIndices(i int) ([]int, error) { return m.byType(i, false) }

func (m *MultiAreaEI) byType(i int, exc bool) ([]int, error) {
	idx, err := m.AreaIndices(i)
	if err != nil {
		return nil, err
	}
	out := []int{}
	for _, n := range idx {
		if m.exc[n] == exc {
			out = append(out, n)
		}
	}
	return out, nil
}
