package run

import (
	"image/color"
	"path/filepath"
	"testing"

	"github.com/dale-rnn/dale/internal/figure"
	"github.com/dale-rnn/dale/internal/pngtest"
	"github.com/dale-rnn/dale/mask"
)

func eiMask(t *testing.T) *mask.MultiAreaEI {
	t.Helper()
	m, err := mask.NewMultiAreaEI(mask.MultiAreaEIConfig{
		MultiAreaConfig: mask.MultiAreaConfig{Dims: [3]int{3, 50, 2}, AreaSizes: []int{20, 30}, AreaConnectivities: []float64{0.3, 0.2}, InputAreas: []int{0}, Seed: 4},
		InhReadout:      new(false),
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func build(t *testing.T, c mask.Config) mask.Mask {
	t.Helper()
	m, err := c.Build()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriteMaskPNGs(t *testing.T) {
	cases := []struct {
		name string
		m    mask.Mask
		// colours that must appear in hidden.png
		want []color.RGBA
		// colours that must not
		absent []color.RGBA
	}{
		{"multi_area_ei", eiMask(t), []color.RGBA{figure.ExcitatoryColor, figure.InhibitoryColor, figure.NoneColor}, nil},
		{"multi_area", build(t, mask.MultiAreaConfig{Dims: [3]int{2, 40, 1}, Seed: 1}), []color.RGBA{figure.ExcitatoryColor, figure.NoneColor}, []color.RGBA{figure.InhibitoryColor}},
		// Larger than the drawing area: pixels average several cells.
		{"multi_area_ei 1200", build(t, mask.MultiAreaEIConfig{MultiAreaConfig: mask.MultiAreaConfig{Dims: [3]int{1, 1200, 1}, NAreas: 4}}), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "fig")
			paths, err := WriteMaskPNGs(tc.m, dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != 3 || filepath.Base(paths[0]) != "input.png" || filepath.Base(paths[1]) != "hidden.png" || filepath.Base(paths[2]) != "readout.png" {
				t.Fatalf("paths %v", paths)
			}
			for _, p := range paths {
				img := pngtest.Decode(t, p)
				if b := img.Bounds(); b.Dx() != MaskPNGWidth || b.Dy() != MaskPNGHeight {
					t.Errorf("%s is %d×%d, want %d×%d", p, b.Dx(), b.Dy(), MaskPNGWidth, MaskPNGHeight)
				}
			}
			img := pngtest.Decode(t, paths[1])
			for _, c := range tc.want {
				if pngtest.Count(img, img.Bounds(), pngtest.Exactly(c)) < 100 {
					t.Errorf("hidden.png has fewer than 100 pixels of %v", c)
				}
			}
			for _, c := range tc.absent {
				// The legend swatch of an unsigned mask has no inhibitory entry either.
				if n := pngtest.Count(img, img.Bounds(), pngtest.Exactly(c)); n != 0 {
					t.Errorf("hidden.png of an unsigned mask has %d pixels of %v", n, c)
				}
			}
		})
	}
}
