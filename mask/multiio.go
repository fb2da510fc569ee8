package mask

// MultiIOConfig describes a network with several groups of input channels
// and of readout channels, each group wired to its own set of neurons
// (nn4n's MultiIO). The hidden mask is all ones. Nothing is random.
type MultiIOConfig struct {
	// Dims is [input_dim, hidden_size, readout_dim] ("dims"); zero means
	// [1, 100, 1].
	Dims [3]int
	// InputDims ("input_dims") is the width of each input group; the widths
	// must be positive and sum to input_dim. Nil means one group.
	InputDims []int
	// ReadoutDims ("readout_dims") is the width of each readout group,
	// summing to readout_dim. Nil means one group.
	ReadoutDims []int
	// InputTable ("input_table") is n_input_groups × hidden_size of 0/1:
	// entry [g][n] = 1 sends every channel of input group g to neuron n.
	// Nil means all ones.
	InputTable [][]float64
	// ReadoutTable ("readout_table") is n_readout_groups × hidden_size of
	// 0/1: entry [g][n] = 1 reads neuron n out to every channel of readout
	// group g. Nil means all ones.
	ReadoutTable [][]float64
	// Seed is recorded but unused: MultiIO masks are not random.
	Seed uint64
}

// MultiIO is a network mask with grouped input and readout channels. It
// has one area, area_1, holding every neuron.
type MultiIO struct {
	base
	inputDims, readoutDims []int
}

// Type returns "multi_io".
func (MultiIOConfig) Type() string { return TypeMultiIO }

// WithSeed returns a copy of c with Seed replaced.
func (c MultiIOConfig) WithSeed(seed uint64) Config { c.Seed = seed; return c }

// Build builds the mask c describes.
func (c MultiIOConfig) Build() (Mask, error) { return NewMultiIO(c) }

// NewMultiIO validates c and builds the masks.
func NewMultiIO(c MultiIOConfig) (*MultiIO, error) {
	dims, err := checkDims(c.Dims)
	if err != nil {
		return nil, err
	}
	in, n, out := dims[0], dims[1], dims[2]
	inDims, err := checkGroups("input_dims", c.InputDims, in, "input_dim (dims[0])")
	if err != nil {
		return nil, err
	}
	outDims, err := checkGroups("readout_dims", c.ReadoutDims, out, "readout_dim (dims[2])")
	if err != nil {
		return nil, err
	}
	inTable, err := checkTable("input_table", c.InputTable, len(inDims), n, "input_dims")
	if err != nil {
		return nil, err
	}
	outTable, err := checkTable("readout_table", c.ReadoutTable, len(outDims), n, "readout_dims")
	if err != nil {
		return nil, err
	}
	m := &MultiIO{base: base{typ: TypeMultiIO, seed: c.Seed, dims: dims}, inputDims: inDims, readoutDims: outDims}
	m.hidden = newGrid(n, n)
	for i := range m.hidden.data {
		m.hidden.data[i] = 1
	}
	m.input = newGrid(in, n)
	ch := 0
	for g, w := range inDims {
		for range w {
			copy(m.input.data[ch*n:(ch+1)*n], inTable[g])
			ch++
		}
	}
	m.readout = newGrid(n, out)
	ch = 0
	for g, w := range outDims {
		for range w {
			for i := 0; i < n; i++ {
				m.readout.data[i*out+ch] = outTable[g][i]
			}
			ch++
		}
	}
	m.areas = []Area{{Name: "area_1", Indices: iota(0, n)}}
	return m, nil
}

// checkGroups validates input_dims or readout_dims; nil means one group.
func checkGroups(field string, groups []int, total int, totalName string) ([]int, error) {
	if groups == nil {
		return []int{total}, nil
	}
	if len(groups) == 0 {
		return nil, invalid(field, groups, "must list at least one group width")
	}
	sum := 0
	for _, w := range groups {
		if w <= 0 || w > MaxChannels {
			return nil, invalid(field, groups, "every group width must be a positive integer")
		}
		sum += w
	}
	if sum != total {
		return nil, invalid(field, groups, "group widths must sum to %s = %d (they sum to %d)", totalName, total, sum)
	}
	return append([]int(nil), groups...), nil
}

// checkTable validates a groups × n table of 0/1; nil means all ones.
func checkTable(field string, table [][]float64, groups, n int, groupsName string) ([][]int8, error) {
	out := make([][]int8, groups)
	if table == nil {
		for g := range out {
			out[g] = make([]int8, n)
			for i := range out[g] {
				out[g][i] = 1
			}
		}
		return out, nil
	}
	if len(table) != groups {
		return nil, invalid(field, table, "must have one row per group of %s: %d rows of hidden_size = %d entries (it has %d rows)", groupsName, groups, n, len(table))
	}
	for g, row := range table {
		if len(row) != n {
			return nil, invalid(field, table, "every row must have hidden_size = %d entries (row %d has %d)", n, g, len(row))
		}
		out[g] = make([]int8, n)
		for i, v := range row {
			switch v {
			case 0:
			case 1:
				out[g][i] = 1
			default:
				return nil, invalid(field, table, "entries must be 0 or 1 (entry [%d][%d] is %s)", g, i, formatFloat(v))
			}
		}
	}
	return out, nil
}

// Specs returns dims, hidden_size, input_dim, readout_dim, input_dims,
// readout_dims, input_table_shape and readout_table_shape.
func (m *MultiIO) Specs() Specs {
	return Specs{
		{"dims", dimsList(m.dims)},
		{"hidden_size", m.dims[1]},
		{"input_dim", m.dims[0]},
		{"readout_dim", m.dims[2]},
		{"input_dims", append([]int(nil), m.inputDims...)},
		{"readout_dims", append([]int(nil), m.readoutDims...)},
		{"input_table_shape", []int{len(m.inputDims), m.dims[1]}},
		{"readout_table_shape", []int{len(m.readoutDims), m.dims[1]}},
	}
}
