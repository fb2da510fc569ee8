package mask

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dale-rnn/dale/internal/figure"
	"github.com/dale-rnn/dale/npz"
)

// WriteNPZ saves m to an .npz archive at path (written atomically) that
// numpy reads with np.load. It holds
//
//	input      float32 (input_dim, hidden_size)   the input mask, (pre, post)
//	hidden     float32 (hidden_size, hidden_size) the hidden mask
//	readout    float32 (hidden_size, readout_dim) the readout mask
//	area       int32   (hidden_size,)             each neuron's area: its index in
//	                                              m.Areas() (the first area holding it
//	                                              when areas overlap), −1 for none
//	excitatory uint8   (hidden_size,)             1 excitatory, 0 inhibitory (E/I masks only)
func WriteNPZ(m Mask, path string) error {
	in, hid, out := m.Masks()
	arrays := []npz.Array{
		{Name: "input", Shape: in.Shape(), Data: in.Data},
		{Name: "hidden", Shape: hid.Shape(), Data: hid.Data},
		{Name: "readout", Shape: out.Shape(), Data: out.Data},
		{Name: "area", Shape: []int{m.Dims()[1]}, Data: AreaOf(m)},
	}
	if ei, ok := m.(EI); ok {
		exc := make([]uint8, m.Dims()[1])
		for i, e := range ei.Excitatory() {
			if e {
				exc[i] = 1
			}
		}
		arrays = append(arrays, npz.Array{Name: "excitatory", Shape: []int{len(exc)}, Data: exc})
	}
	if err := npz.Write(path, arrays...); err != nil {
		return fmt.Errorf("mask: writing %s: %w", path, err)
	}
	return nil
}

// AreaOf returns each hidden neuron's area as an index into m.Areas(): the
// first area that holds the neuron, or −1 if none does.
func AreaOf(m Mask) []int32 {
	out := make([]int32, m.Dims()[1])
	for i := range out {
		out[i] = -1
	}
	areas := m.Areas()
	for a := len(areas) - 1; a >= 0; a-- {
		for _, n := range areas[a].Indices {
			if n >= 0 && n < len(out) {
				out[n] = int32(a)
			}
		}
	}
	return out
}

// Size of the PNG figures WritePNG draws, in pixels.
const (
	PNGWidth  = 900
	PNGHeight = 760
)

// WritePNG draws one heat map per mask into dir (created if missing):
// input.png, hidden.png and readout.png, each PNGWidth × PNGHeight pixels.
// Excitatory synapses are red, inhibitory blue, absent light grey; black
// lines mark area boundaries when the areas are consecutive ranges.
func WritePNG(m Mask, dir string) (paths []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("mask: creating the figure folder: %w", err)
	}
	in, hid, out := m.Masks()
	bounds := boundaries(m)
	_, signed := m.(EI)
	d := m.Dims()
	figs := []struct {
		name     string
		mat      *Matrix
		title    string
		rowLines []int
		colLines []int
		unsigned bool
	}{
		{"input", in, fmt.Sprintf("%s: input mask (%d channels × %d neurons)", m.Type(), d[0], d[1]), nil, bounds, true},
		{"hidden", hid, fmt.Sprintf("%s: hidden mask (%d × %d neurons)", m.Type(), d[1], d[1]), bounds, bounds, !signed},
		{"readout", out, fmt.Sprintf("%s: readout mask (%d neurons × %d channels)", m.Type(), d[1], d[2]), bounds, nil, !signed},
	}
	for _, f := range figs {
		fig, err := figure.SignedMask(matrixGrid{f.mat}, figure.MaskOptions{
			Title: f.title, RowLines: f.rowLines, ColLines: f.colLines, Unsigned: f.unsigned,
		})
		if err != nil {
			return paths, fmt.Errorf("mask: drawing the %s mask: %w", f.name, err)
		}
		p := filepath.Join(dir, f.name+".png")
		if err := fig.SavePNG(p, PNGWidth, PNGHeight); err != nil {
			return paths, fmt.Errorf("mask: writing %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// boundaries returns the first neuron of every area but the first when the
// areas are consecutive ranges covering all neurons in order, else nil.
func boundaries(m Mask) []int {
	next := 0
	var out []int
	for i, a := range m.Areas() {
		if len(a.Indices) == 0 {
			return nil
		}
		for _, n := range a.Indices {
			if n != next {
				return nil
			}
			next++
		}
		if i > 0 {
			out = append(out, a.Indices[0])
		}
	}
	if next != m.Dims()[1] || len(out) == 0 {
		return nil
	}
	return out
}

// matrixGrid shows a Matrix to the figure package.
type matrixGrid struct{ m *Matrix }

func (g matrixGrid) Dims() (int, int)    { return g.m.Rows, g.m.Cols }
func (g matrixGrid) At(i, j int) float64 { return float64(g.m.Data[i*g.m.Cols+j]) }
