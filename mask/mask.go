package mask

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Mask is what every mask type provides: its three masks in (pre, post)
// orientation, its parameters and its areas.
type Mask interface {
	// Type is the mask type's JSON name: multi_area, multi_area_ei,
	// random_input or multi_io.
	Type() string
	// Seed is the seed the masks were drawn with.
	Seed() uint64
	// Dims is [input_dim, hidden_size, readout_dim].
	Dims() [3]int
	// Masks returns fresh copies of the input (input_dim × hidden_size),
	// hidden (hidden_size × hidden_size) and readout (hidden_size ×
	// readout_dim) masks: +1 excitatory (or, unsigned, present), −1
	// inhibitory, 0 no synapse.
	Masks() (input, hidden, readout *Matrix)
	// SparsityMasks returns the masks with −1 replaced by 1: 1 where a
	// synapse exists, 0 elsewhere.
	SparsityMasks() (input, hidden, readout *Matrix)
	// Specs returns the parameters in nn4n's order and names.
	Specs() Specs
	// Areas returns the named groups of hidden neurons.
	Areas() []Area
	// InputIndices returns the hidden neurons that receive input.
	InputIndices() []int
	// NonInputIndices returns the hidden neurons that receive no input.
	NonInputIndices() []int
	// ReadoutIndices returns the hidden neurons that project to the readout.
	ReadoutIndices() []int
}

// EI is implemented by masks with excitatory and inhibitory neurons.
type EI interface {
	Mask
	// Excitatory reports, per hidden neuron, whether it is excitatory.
	Excitatory() []bool
}

// Area is a named group of hidden neurons.
type Area struct {
	Name    string
	Indices []int // sorted neuron indices
}

// Limits on sizes, so a typo cannot ask for terabytes: the hidden mask of
// MaxHiddenSize neurons already takes 256 MiB as int8 and 1 GiB as float32.
const (
	MaxHiddenSize = 16384 // largest hidden_size (dims[1])
	MaxChannels   = 16384 // largest input_dim (dims[0]) and readout_dim (dims[2])
)

// Type names, as "type" in JSON.
const (
	TypeMultiArea   = "multi_area"
	TypeMultiAreaEI = "multi_area_ei"
	TypeRandomInput = "random_input"
	TypeMultiIO     = "multi_io"
)

// seedStream is the second PCG word; the first is the user's seed.
const seedStream = 0x64616c652d6d736b // "dale-msk"

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seedStream)) }

// base holds what every mask type shares and implements the Mask methods.
type base struct {
	typ                    string
	seed                   uint64
	dims                   [3]int
	input, hidden, readout grid
	areas                  []Area
}

func (b *base) Type() string { return b.typ }
func (b *base) Seed() uint64 { return b.seed }
func (b *base) Dims() [3]int { return b.dims }

func (b *base) Masks() (input, hidden, readout *Matrix) {
	return b.input.matrix(false), b.hidden.matrix(false), b.readout.matrix(false)
}

func (b *base) SparsityMasks() (input, hidden, readout *Matrix) {
	return b.input.matrix(true), b.hidden.matrix(true), b.readout.matrix(true)
}

func (b *base) Areas() []Area {
	out := make([]Area, len(b.areas))
	for i, a := range b.areas {
		out[i] = Area{Name: a.Name, Indices: slices.Clone(a.Indices)}
	}
	return out
}

// InputIndices returns the neurons with at least one input synapse.
func (b *base) InputIndices() []int {
	var out []int
	for n, ok := range b.input.nonzeroCols() {
		if ok {
			out = append(out, n)
		}
	}
	return orEmpty(out)
}

// NonInputIndices returns the neurons without any input synapse.
func (b *base) NonInputIndices() []int {
	var out []int
	for n, ok := range b.input.nonzeroCols() {
		if !ok {
			out = append(out, n)
		}
	}
	return orEmpty(out)
}

// ReadoutIndices returns the neurons with at least one readout synapse.
func (b *base) ReadoutIndices() []int { return b.readout.nonzeroRows() }

// AreaNames returns the names of the areas, in order (area_1, area_2, ...
// for multi-area masks).
func (b *base) AreaNames() []string {
	names := make([]string, len(b.areas))
	for i, a := range b.areas {
		names[i] = a.Name
	}
	return names
}

// NumAreas returns the number of areas.
func (b *base) NumAreas() int { return len(b.areas) }

// AreaIndices returns the neurons of area i (numbered from 0).
func (b *base) AreaIndices(i int) ([]int, error) {
	if i < 0 || i >= len(b.areas) {
		return nil, fmt.Errorf("mask: area %d does not exist: areas are numbered 0 to %d", i, len(b.areas)-1)
	}
	return slices.Clone(b.areas[i].Indices), nil
}

// AreaIndicesByName returns the neurons of the area called name.
func (b *base) AreaIndicesByName(name string) ([]int, error) {
	for _, a := range b.areas {
		if a.Name == name {
			return slices.Clone(a.Indices), nil
		}
	}
	return nil, fmt.Errorf("mask: area %q does not exist: areas are %s", name, strings.Join(b.AreaNames(), ", "))
}

// AllAreaIndices returns the neurons of every area, in area order.
func (b *base) AllAreaIndices() [][]int {
	out := make([][]int, len(b.areas))
	for i, a := range b.areas {
		out[i] = slices.Clone(a.Indices)
	}
	return out
}

func orEmpty(x []int) []int {
	if x == nil {
		return []int{}
	}
	return x
}

func iota(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// checkDims validates dims, filling the default [1, 100, 1] for the zero
// value.
func checkDims(d [3]int) ([3]int, error) {
	if d == [3]int{} {
		return [3]int{1, 100, 1}, nil
	}
	for _, v := range d {
		if v <= 0 {
			return d, invalid("dims", d, "every entry of [input_dim, hidden_size, readout_dim] must be a positive integer")
		}
	}
	if d[1] > MaxHiddenSize {
		return d, invalid("dims", d, "hidden_size (dims[1]) must be at most %d", MaxHiddenSize)
	}
	if d[0] > MaxChannels || d[2] > MaxChannels {
		return d, invalid("dims", d, "input_dim (dims[0]) and readout_dim (dims[2]) must be at most %d", MaxChannels)
	}
	return d, nil
}

// checkProb validates a probability.
func checkProb(field string, p float64) error {
	if !(p >= 0 && p <= 1) {
		return invalid(field, p, "must be in [0, 1]")
	}
	return nil
}

// threshold returns t such that r.Uint64()>>11 < t happens with
// probability p; it equals r.Float64() < p on the same draw.
func threshold(p float64) uint64 {
	// p·2^53 is exact, and for an integer k, k < x ⇔ k < ⌈x⌉.
	return uint64(math.Ceil(p * (1 << 53)))
}

func dimsList(d [3]int) []int { return []int{d[0], d[1], d[2]} }
