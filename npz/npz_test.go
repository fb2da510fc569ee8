package npz

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/internal/numpytest"
)

func sampleArrays() []Array {
	return []Array{
		{Name: "f32", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 4, 5, 6}},
		{Name: "f64", Shape: []int{3}, Data: []float64{1e-300, -2, 3}},
		{Name: "i32", Shape: []int{2, 2, 1}, Data: []int32{-1, 0, 1, 2147483647}},
		{Name: "i64", Shape: []int{1}, Data: []int64{-1 << 62}},
		{Name: "u8", Shape: []int{4}, Data: []uint8{0, 1, 255, 7}},
		{Name: "scalar", Shape: []int{}, Data: []float32{42}},
		{Name: "empty", Shape: []int{0, 3}, Data: []float32{}},
	}
}

func TestNPYRoundTrip(t *testing.T) {
	for _, a := range sampleArrays() {
		t.Run(a.Name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteNPY(&buf, a.Shape, a.Data); err != nil {
				t.Fatal(err)
			}
			// header + magic must be 64-byte aligned, as numpy writes it
			hlen := int(buf.Bytes()[8]) | int(buf.Bytes()[9])<<8
			if (10+hlen)%64 != 0 {
				t.Fatalf("header not aligned: 10+%d", hlen)
			}
			shape, data, err := ReadNPY(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(shape, a.Shape) || !reflect.DeepEqual(data, a.Data) {
				t.Fatalf("got %v %v, want %v %v", shape, data, a.Shape, a.Data)
			}
		})
	}
}

func TestNPZRoundTripAndAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.npz")
	arrays := sampleArrays()
	if err := Write(path, arrays...); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(arrays) {
		t.Fatalf("read %d arrays, want %d", len(got), len(arrays))
	}
	for _, a := range arrays {
		g := got[a.Name]
		if !reflect.DeepEqual(g.Shape, a.Shape) || !reflect.DeepEqual(g.Data, a.Data) {
			t.Errorf("%s: got %v %v", a.Name, g.Shape, g.Data)
		}
	}
	// A failed write leaves the old file intact and no temporary file.
	err = Write(path, Array{Name: "bad", Shape: []int{2}, Data: []float32{1}})
	if err == nil {
		t.Fatal("mismatched shape accepted")
	}
	if _, err := Read(path); err != nil {
		t.Fatalf("old file damaged: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only a.npz", len(entries))
	}
}

func TestErrors(t *testing.T) {
	var good bytes.Buffer
	WriteNPY(&good, []int{2}, []float32{1, 2})
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "not an .npy stream"},
		{"magic", []byte("NOTNUMPYxxxxxxxx"), `magic = "NOTNUM" is not allowed`},
		{"truncated data", good.Bytes()[:good.Len()-1], "needs 8"},
		{"version", append([]byte("\x93NUMPY\x09\x00"), 0, 0), "version = 9.0 is not allowed"},
		{"descr", []byte(strings.Replace(good.String(), "<f4", "<c8", 1)), `descr = "<c8" is not allowed`},
		{"shape", []byte(strings.Replace(good.String(), "(2,)", "(x,)", 1)), "shape = (x,) is not allowed"},
		{"huge shape", []byte(strings.Replace(good.String(), "(2,)", "(9,)", 1)), "needs 36"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := ReadNPY(bytes.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
	if err := Write(filepath.Join(t.TempDir(), "x.npz"), Array{Name: "a", Shape: []int{1}, Data: []string{"x"}}); err == nil || !strings.Contains(err.Error(), "not supported") {
		t.Fatalf("string data: %v", err)
	}
	if err := Write(filepath.Join(t.TempDir(), "x.npz"), Array{Name: "a", Shape: []int{1}, Data: []uint8{1}}, Array{Name: "a", Shape: []int{1}, Data: []uint8{1}}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing.npz")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing file: %v", err)
	}
	notzip := filepath.Join(t.TempDir(), "x.npz")
	os.WriteFile(notzip, []byte("hello"), 0o644)
	if _, err := Read(notzip); err == nil || !strings.Contains(err.Error(), "not an .npz archive") {
		t.Fatalf("not a zip: %v", err)
	}
}

func TestConversions(t *testing.T) {
	a := Array{Name: "x", Shape: []int{3}, Data: []int32{1, -2, 3}}
	f32, err := a.Float32()
	if err != nil || !reflect.DeepEqual(f32, []float32{1, -2, 3}) {
		t.Fatalf("Float32: %v %v", f32, err)
	}
	f64, err := a.Float64()
	if err != nil || !reflect.DeepEqual(f64, []float64{1, -2, 3}) {
		t.Fatalf("Float64: %v %v", f64, err)
	}
	if _, err := (Array{Name: "s", Data: "x"}).Float32(); err == nil {
		t.Fatal("non-numeric conversion gave no error")
	}
}

func TestFortranOrder(t *testing.T) {
	// numpy.asfortranarray([[1,2,3],[4,5,6]], dtype='<f4') written by hand
	var buf bytes.Buffer
	WriteNPY(&buf, []int{2, 3}, []float32{1, 4, 2, 5, 3, 6})
	b := bytes.Replace(buf.Bytes(), []byte("'fortran_order': False"), []byte("'fortran_order': True "), 1)
	_, data, err := ReadNPY(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(data, []float32{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("got %v", data)
	}
}

func TestNumpyReadsAndWrites(t *testing.T) {
	numpytest.Python(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "a.npz")
	if err := Write(path, sampleArrays()...); err != nil {
		t.Fatal(err)
	}
	out := numpytest.Run(t, `
import sys, numpy as np
z = np.load(sys.argv[1])
for k in sorted(z.files):
    a = z[k]
    print(k, a.dtype.str, a.shape, a.ravel().tolist())
np.savez(sys.argv[2], w=np.arange(6, dtype=np.float64).reshape(2, 3), b=np.array([True, False]),
         f=np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
np.savez_compressed(sys.argv[3], z=np.zeros((300, 400), dtype=np.float64), i=np.arange(-3, 3, dtype=np.int8))
`, path, filepath.Join(dir, "b.npz"), filepath.Join(dir, "c.npz"))
	for _, want := range []string{
		"f32 <f4 (2, 3) [1.0, -2.0, 3.5, 4.0, 5.0, 6.0]",
		"i32 <i4 (2, 2, 1) [-1, 0, 1, 2147483647]",
		"u8 |u1 (4,) [0, 1, 255, 7]",
		"scalar <f4 () [42.0]",
		"empty <f4 (0, 3) []",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("numpy output lacks %q:\n%s", want, out)
		}
	}
	got, err := Read(filepath.Join(dir, "b.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got["w"].Data, []float64{0, 1, 2, 3, 4, 5}) || !reflect.DeepEqual(got["w"].Shape, []int{2, 3}) {
		t.Errorf("w = %v %v", got["w"].Shape, got["w"].Data)
	}
	if !reflect.DeepEqual(got["b"].Data, []uint8{1, 0}) {
		t.Errorf("b = %v", got["b"].Data)
	}
	if !reflect.DeepEqual(got["f"].Data, []float32{0, 1, 2, 3, 4, 5}) {
		t.Errorf("fortran f = %v", got["f"].Data)
	}
	// savez_compressed deflates, through Python's zipfile
	got, err = Read(filepath.Join(dir, "c.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if z := got["z"]; !reflect.DeepEqual(z.Shape, []int{300, 400}) || !reflect.DeepEqual(z.Data, make([]float64, 300*400)) {
		t.Errorf("z = %v", z.Shape)
	}
	if !reflect.DeepEqual(got["i"].Data, []int32{-3, -2, -1, 0, 1, 2}) {
		t.Errorf("int8 i = %v", got["i"].Data)
	}
}
