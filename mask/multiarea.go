package mask

import (
	"fmt"
	"math/rand/v2"
)

// MultiAreaConfig describes a multi-area network with unsigned (0/1)
// masks. The zero value of each field means nn4n's default. JSON names are
// given in brackets.
type MultiAreaConfig struct {
	// Dims is [input_dim, hidden_size, readout_dim] ("dims"); zero means
	// [1, 100, 1].
	Dims [3]int
	// NAreas is the number of equal-sized areas ("n_areas" as an int);
	// hidden_size must divide evenly. Zero means 2, unless AreaSizes is set.
	NAreas int
	// AreaSizes gives each area's size ("n_areas" as a list); the sizes
	// must be positive and sum to hidden_size. Set NAreas or AreaSizes,
	// not both.
	AreaSizes []int
	// AreaConnectivities is the 2- or 3-value form of
	// "area_connectivities": [feedforward, feedback] or [feedforward,
	// feedback, within]. Feedforward (from an earlier area to a later one)
	// fills the matrix below the diagonal, feedback above it, within the
	// diagonal (default 1). Nil (and no matrix) means [0.1, 0.1].
	AreaConnectivities []float64
	// AreaConnectivityMatrix is the square form of "area_connectivities":
	// entry [i][j] is the probability of a synapse from area j to area i
	// (row = receiving area). Set it or AreaConnectivities, not both.
	AreaConnectivityMatrix [][]float64
	// InputAreas lists the areas (numbered from 0) whose every neuron
	// receives every input channel ("input_areas"); nil means all areas,
	// an empty non-nil slice none.
	InputAreas []int
	// ReadoutAreas lists the areas read out ("readout_areas"); nil means
	// all areas.
	ReadoutAreas []int
	// Seed seeds the random draws ("seed").
	Seed uint64
}

// MultiArea is a multi-area network mask with 0/1 entries.
type MultiArea struct {
	base
	sizes        []int
	areaOf       []int // area of each neuron
	conn         [][]float64
	inputAreas   []int
	readoutAreas []int
}

// Type returns "multi_area".
func (MultiAreaConfig) Type() string { return TypeMultiArea }

// WithSeed returns a copy of c with Seed replaced.
func (c MultiAreaConfig) WithSeed(seed uint64) Config { c.Seed = seed; return c }

// Build builds the mask c describes.
func (c MultiAreaConfig) Build() (Mask, error) { return NewMultiArea(c) }

// NewMultiArea validates c and draws the masks.
func NewMultiArea(c MultiAreaConfig) (*MultiArea, error) {
	m, err := c.resolve(TypeMultiArea)
	if err != nil {
		return nil, err
	}
	m.draw(newRand(c.Seed))
	return m, nil
}

// resolve validates c and fills a MultiArea's parameters without drawing.
func (c MultiAreaConfig) resolve(typ string) (*MultiArea, error) {
	dims, err := checkDims(c.Dims)
	if err != nil {
		return nil, err
	}
	n := dims[1]
	m := &MultiArea{base: base{typ: typ, seed: c.Seed, dims: dims}}

	// n_areas
	switch {
	case c.NAreas != 0 && c.AreaSizes != nil:
		return nil, invalid("n_areas", c.NAreas, "give either a number of areas (NAreas) or a list of area sizes (AreaSizes = %s), not both", formatValue(c.AreaSizes))
	case c.AreaSizes != nil:
		if len(c.AreaSizes) == 0 {
			return nil, invalid("n_areas", c.AreaSizes, "a list of area sizes must hold at least one size")
		}
		sum := 0
		for _, s := range c.AreaSizes {
			if s <= 0 || s > MaxHiddenSize {
				return nil, invalid("n_areas", c.AreaSizes, "every area size must be a positive integer")
			}
			sum += s
		}
		if sum != n {
			return nil, invalid("n_areas", c.AreaSizes, "area sizes must sum to hidden_size %d (they sum to %d)", n, sum)
		}
		m.sizes = append([]int(nil), c.AreaSizes...)
	default:
		k := c.NAreas
		if k == 0 {
			k = 2
		}
		if k < 0 {
			return nil, invalid("n_areas", k, "must be a positive integer or a list of positive area sizes")
		}
		if k > n || n%k != 0 {
			return nil, invalid("n_areas", k, "hidden_size %d must divide evenly into %d areas (or give a list of area sizes)", n, k)
		}
		for range k {
			m.sizes = append(m.sizes, n/k)
		}
	}
	k := len(m.sizes)
	m.areaOf = make([]int, 0, n)
	start := 0
	for i, s := range m.sizes {
		m.areas = append(m.areas, Area{Name: fmt.Sprintf("area_%d", i+1), Indices: iota(start, start+s)})
		for range s {
			m.areaOf = append(m.areaOf, i)
		}
		start += s
	}

	// area_connectivities
	m.conn, err = connectivity(c.AreaConnectivities, c.AreaConnectivityMatrix, k)
	if err != nil {
		return nil, err
	}

	// input_areas, readout_areas: a single area is always both.
	if k == 1 {
		m.inputAreas, m.readoutAreas = []int{0}, []int{0}
	} else {
		if m.inputAreas, err = checkAreaList("input_areas", c.InputAreas, k); err != nil {
			return nil, err
		}
		if m.readoutAreas, err = checkAreaList("readout_areas", c.ReadoutAreas, k); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// connectivity turns either form of area_connectivities into the full k×k
// matrix (row = receiving area).
func connectivity(list []float64, matrix [][]float64, k int) ([][]float64, error) {
	const field = "area_connectivities"
	if list != nil && matrix != nil {
		return nil, invalid(field, list, "give either the 2- or 3-value list (AreaConnectivities) or the matrix (AreaConnectivityMatrix), not both")
	}
	if matrix != nil {
		if len(matrix) != k {
			return nil, invalid(field, matrix, "a matrix must be n_areas × n_areas = %d × %d (it has %d rows)", k, k, len(matrix))
		}
		out := make([][]float64, k)
		for i, row := range matrix {
			if len(row) != k {
				return nil, invalid(field, matrix, "a matrix must be n_areas × n_areas = %d × %d (row %d has %d entries)", k, k, i, len(row))
			}
			for j, p := range row {
				if !(p >= 0 && p <= 1) {
					return nil, invalid(field, matrix, "every probability must be in [0, 1] (entry [%d][%d] is %s)", i, j, formatFloat(p))
				}
			}
			out[i] = append([]float64(nil), row...)
		}
		return out, nil
	}
	if list == nil {
		list = []float64{0.1, 0.1}
	}
	if len(list) != 2 && len(list) != 3 {
		return nil, invalid(field, list, "must be a list of 2 values [feedforward, feedback], 3 values [feedforward, feedback, within] or an n_areas × n_areas matrix")
	}
	for _, p := range list {
		if !(p >= 0 && p <= 1) {
			return nil, invalid(field, list, "every probability must be in [0, 1]")
		}
	}
	within := 1.0
	if len(list) == 3 {
		within = list[2]
	}
	out := make([][]float64, k)
	for i := range out {
		out[i] = make([]float64, k)
		for j := range out[i] {
			switch {
			case i > j:
				out[i][j] = list[0] // from an earlier area j to a later area i
			case i < j:
				out[i][j] = list[1]
			default:
				out[i][j] = within
			}
		}
	}
	return out, nil
}

// checkAreaList validates input_areas or readout_areas; nil means all.
func checkAreaList(field string, areas []int, k int) ([]int, error) {
	if areas == nil {
		return iota(0, k), nil
	}
	seen := make(map[int]bool, len(areas))
	for _, a := range areas {
		if a < 0 || a >= k {
			return nil, invalid(field, areas, "area %d does not exist: areas are numbered 0 to %d", a, k-1)
		}
		if seen[a] {
			return nil, invalid(field, areas, "area %d is listed twice", a)
		}
		seen[a] = true
	}
	return append([]int{}, areas...), nil
}

// draw fills the masks: the hidden mask with one Bernoulli draw per neuron
// pair (row-major, pairs whose probability is 0 or 1 take no draw), the
// input and readout masks deterministically.
func (m *MultiArea) draw(r *rand.Rand) {
	in, n, out := m.dims[0], m.dims[1], m.dims[2]
	h := newGrid(n, n)
	k := len(m.sizes)
	starts := make([]int, k+1)
	for i, s := range m.sizes {
		starts[i+1] = starts[i] + s
	}
	for pre := 0; pre < n; pre++ {
		j := m.areaOf[pre] // sending area
		row := h.data[pre*n : (pre+1)*n]
		for i := 0; i < k; i++ { // receiving area
			p := m.conn[i][j]
			block := row[starts[i]:starts[i+1]]
			switch {
			case p <= 0:
			case p >= 1:
				for c := range block {
					block[c] = 1
				}
			default:
				t := threshold(p)
				for c := range block {
					if r.Uint64()>>11 < t {
						block[c] = 1
					}
				}
			}
		}
	}
	m.hidden = h

	m.input = newGrid(in, n)
	for _, a := range m.inputAreas {
		for ch := 0; ch < in; ch++ {
			row := m.input.data[ch*n : (ch+1)*n]
			for c := starts[a]; c < starts[a+1]; c++ {
				row[c] = 1
			}
		}
	}
	m.readout = newGrid(n, out)
	for _, a := range m.readoutAreas {
		for pre := starts[a]; pre < starts[a+1]; pre++ {
			row := m.readout.data[pre*out : (pre+1)*out]
			for c := range row {
				row[c] = 1
			}
		}
	}
}

// Specs returns dims, hidden_size, input_dim, readout_dim, n_areas,
// area_connectivities (the full matrix), input_areas and readout_areas.
func (m *MultiArea) Specs() Specs {
	conn := make([][]float64, len(m.conn))
	for i, row := range m.conn {
		conn[i] = append([]float64(nil), row...)
	}
	return Specs{
		{"dims", dimsList(m.dims)},
		{"hidden_size", m.dims[1]},
		{"input_dim", m.dims[0]},
		{"readout_dim", m.dims[2]},
		{"n_areas", len(m.sizes)},
		{"area_connectivities", conn},
		{"input_areas", append([]int{}, m.inputAreas...)},
		{"readout_areas", append([]int{}, m.readoutAreas...)},
	}
}

// AreaSizes returns the number of neurons in each area.
func (m *MultiArea) AreaSizes() []int { return append([]int(nil), m.sizes...) }

// AreaOf returns the area of every neuron.
func (m *MultiArea) AreaOf() []int { return append([]int(nil), m.areaOf...) }
