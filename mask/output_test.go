package mask_test

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/internal/numpytest"
	"github.com/dale-rnn/dale/mask"
	"github.com/dale-rnn/dale/npz"
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
