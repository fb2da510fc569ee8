package run

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dale-rnn/dale/internal/figure"
	"github.com/dale-rnn/dale/mask"
)

// Size of the PNG figures WriteMaskPNGs draws, in pixels.
const (
	MaskPNGWidth  = 900
	MaskPNGHeight = 760
)

// WriteMaskPNGs draws one heat map per mask into dir (created if missing):
// input.png, hidden.png and readout.png, each MaskPNGWidth × MaskPNGHeight pixels.
// Excitatory synapses are red, inhibitory blue, absent light grey; black
// lines mark area boundaries when the areas are consecutive ranges.
func WriteMaskPNGs(m mask.Mask, dir string) (paths []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("mask figures: creating the folder: %w", err)
	}
	in, hid, out := m.Masks()
	bounds := boundaries(m)
	_, signed := m.(mask.EI)
	d := m.Dims()
	figs := []struct {
		name     string
		mat      *mask.Matrix
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
			return paths, fmt.Errorf("mask figures: drawing the %s mask: %w", f.name, err)
		}
		p := filepath.Join(dir, f.name+".png")
		if err := fig.SavePNG(p, MaskPNGWidth, MaskPNGHeight); err != nil {
			return paths, fmt.Errorf("mask figures: writing %s: %w", p, err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// boundaries returns the first neuron of every area but the first when the
// areas are consecutive ranges covering all neurons in order, else nil.
func boundaries(m mask.Mask) []int {
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
type matrixGrid struct{ m *mask.Matrix }

func (g matrixGrid) Dims() (int, int)    { return g.m.Rows, g.m.Cols }
func (g matrixGrid) At(i, j int) float64 { return float64(g.m.Data[i*g.m.Cols+j]) }
