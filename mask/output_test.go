package mask_test

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/internal/figure"
	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/internal/numpytest"
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

func TestWriteNPZRoundTrip(t *testing.T) {
	m := eiMask(t)
	path := filepath.Join(t.TempDir(), "masks.npz")
	if err := mask.WriteNPZ(m, path); err != nil {
		t.Fatal(err)
	}
	arrays, err := npz.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := npz.Names(arrays); !slices.Equal(got, []string{"area", "excitatory", "hidden", "input", "readout"}) {
		t.Fatalf("arrays %v", got)
	}
	in, h, out := m.Masks()
	for name, want := range map[string]*mask.Matrix{"input": in, "hidden": h, "readout": out} {
		a := arrays[name]
		data, ok := a.Data.([]float32)
		if !ok || !slices.Equal(a.Shape, want.Shape()) || !slices.Equal(data, want.Data) {
			t.Errorf("%s: shape %v, type %T; want float32 %v equal to the mask", name, a.Shape, a.Data, want.Shape())
		}
	}
	area, ok := arrays["area"].Data.([]int32)
	if !ok || len(area) != 50 || area[19] != 0 || area[20] != 1 || area[49] != 1 {
		t.Errorf("area = %v (%T), want int32 0×20, 1×30", arrays["area"].Data, arrays["area"].Data)
	}
	exc, ok := arrays["excitatory"].Data.([]uint8)
	if !ok || len(exc) != 50 {
		t.Fatalf("excitatory = %T of %d", arrays["excitatory"].Data, len(exc))
	}
	for i, e := range m.Excitatory() {
		if (exc[i] == 1) != e || exc[i] > 1 {
			t.Fatalf("excitatory[%d] = %d, want %v", i, exc[i], e)
		}
	}
	// Unsigned masks have no excitatory array.
	ma, _ := mask.NewMultiArea(mask.MultiAreaConfig{Dims: [3]int{1, 10, 1}})
	if err := mask.WriteNPZ(ma, path); err != nil {
		t.Fatal(err)
	}
	arrays, _ = npz.Read(path)
	if _, has := arrays["excitatory"]; has || len(arrays) != 4 {
		t.Errorf("multi_area archive holds %v, want area, hidden, input, readout", npz.Names(arrays))
	}
	// RandomInput: neurons in neither area are -1.
	ri, _ := mask.NewRandomInput(mask.RandomInputConfig{Dims: [3]int{1, 10, 1}, InputSpar: new(0.2), ReadoutSpar: new(0.3), Overlap: new(false), Seed: 1})
	codes := mask.AreaOf(ri)
	counts := map[int32]int{}
	for _, c := range codes {
		counts[c]++
	}
	if counts[0] != 2 || counts[1] != 3 || counts[-1] != 5 {
		t.Errorf("random_input area codes %v, want 2 input (0), 3 readout (1), 5 neither (-1)", codes)
	}
	// A bad path is an error, not a panic.
	if err := mask.WriteNPZ(m, filepath.Join(t.TempDir(), "missing", "dir", "m.npz")); err == nil || !strings.HasPrefix(err.Error(), "mask: writing ") {
		t.Errorf("writing into a missing folder: %v", err)
	}
}

func TestNumpyReadsNPZ(t *testing.T) {
	numpytest.Python(t) // skips when python3-numpy is missing
	m := eiMask(t)
	path := filepath.Join(t.TempDir(), "masks.npz")
	if err := mask.WriteNPZ(m, path); err != nil {
		t.Fatal(err)
	}
	out := numpytest.Run(t, `
import sys, numpy as np
z = np.load(sys.argv[1])
for k in sorted(z.files):
    a = z[k]
    print(k, a.dtype, a.shape, int(np.abs(a.astype(np.int64)).sum()), int(a.astype(np.int64).sum()))
`, path)
	in, h, o := m.Masks()
	count := func(x *mask.Matrix) (abs, sum int) {
		for _, v := range x.Data {
			sum += int(v)
			if v != 0 {
				abs++
			}
		}
		return
	}
	ia, is := count(in)
	ha, hs := count(h)
	oa, os_ := count(o)
	nExc := 0
	for _, e := range m.Excitatory() {
		if e {
			nExc++
		}
	}
	want := strings.Join([]string{
		"area int32 (50,) 30 30",
		"excitatory uint8 (50,) " + strconv.Itoa(nExc) + " " + strconv.Itoa(nExc),
		"hidden float32 (50, 50) " + strconv.Itoa(ha) + " " + strconv.Itoa(hs),
		"input float32 (3, 50) " + strconv.Itoa(ia) + " " + strconv.Itoa(is),
		"readout float32 (50, 2) " + strconv.Itoa(oa) + " " + strconv.Itoa(os_),
	}, "\n") + "\n"
	if out != want {
		t.Errorf("numpy read:\n%s\nwant:\n%s", out, want)
	}
}

func TestWritePNG(t *testing.T) {
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
			paths, err := mask.WritePNG(tc.m, dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) != 3 || filepath.Base(paths[0]) != "input.png" || filepath.Base(paths[1]) != "hidden.png" || filepath.Base(paths[2]) != "readout.png" {
				t.Fatalf("paths %v", paths)
			}
			for _, p := range paths {
				img := decodePNG(t, p)
				if b := img.Bounds(); b.Dx() != mask.PNGWidth || b.Dy() != mask.PNGHeight {
					t.Errorf("%s is %d×%d, want %d×%d", p, b.Dx(), b.Dy(), mask.PNGWidth, mask.PNGHeight)
				}
			}
			img := decodePNG(t, paths[1])
			for _, c := range tc.want {
				if countColor(img, c) < 100 {
					t.Errorf("hidden.png has fewer than 100 pixels of %v", c)
				}
			}
			for _, c := range tc.absent {
				// The legend swatch of an unsigned mask has no inhibitory entry either.
				if n := countColor(img, c); n != 0 {
					t.Errorf("hidden.png of an unsigned mask has %d pixels of %v", n, c)
				}
			}
		})
	}
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func countColor(img image.Image, c color.RGBA) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)).(color.RGBA) == c {
				n++
			}
		}
	}
	return n
}
