package npz

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the seed corpora in testdata/fuzz from fuzzSeeds")

// checkNPYRoundTrip checks that what ReadNPY returned writes and reads
// back the same: same shape, same element type, same bits.
func checkNPYRoundTrip(t *testing.T, shape []int, data any) {
	t.Helper()
	var b1, b2 bytes.Buffer
	if err := WriteNPY(&b1, shape, data); err != nil {
		t.Fatalf("WriteNPY of what ReadNPY returned (shape %v, %T): %v", shape, data, err)
	}
	shape2, data2, err := ReadNPY(bytes.NewReader(b1.Bytes()))
	if err != nil {
		t.Fatalf("ReadNPY of what WriteNPY wrote: %v", err)
	}
	if !reflect.DeepEqual(shape2, shape) || reflect.TypeOf(data2) != reflect.TypeOf(data) {
		t.Fatalf("round trip: shape %v %T became %v %T", shape, data, shape2, data2)
	}
	if err := WriteNPY(&b2, shape2, data2); err != nil || !bytes.Equal(b1.Bytes(), b2.Bytes()) {
		t.Fatalf("round trip changed the data (%v)", err)
	}
}

func checkOneLine(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("error is not one line: %q", err)
	}
}

func FuzzReadNPY(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		shape, data, err := ReadNPY(bytes.NewReader(b))
		if err != nil {
			checkOneLine(t, err)
			return
		}
		checkNPYRoundTrip(t, shape, data)
	})
}

// fuzzMaxBytes keeps FuzzRead's inputs (deflate expands up to 1032
// times) from costing gigabytes; the code path is Read's.
const fuzzMaxBytes = 64 << 20

func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "f.npz")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadWith(path, Options{MaxBytes: fuzzMaxBytes})
		if err != nil {
			checkOneLine(t, err)
			return
		}
		infos, err := List(path)
		if err != nil || len(infos) != len(got) {
			t.Fatalf("Read gave %d arrays, List %d (%v)", len(got), len(infos), err)
		}
		var arrays []Array
		for _, in := range infos {
			a, ok := got[in.Name]
			if !ok || !reflect.DeepEqual(a.Shape, in.Shape) || a.Name != in.Name {
				t.Fatalf("List says %+v, Read %+v", in, a)
			}
			arrays = append(arrays, a)
		}
		path2 := filepath.Join(dir, "g.npz")
		if err := Write(path2, arrays...); err != nil {
			t.Fatalf("Write of what Read returned: %v", err)
		}
		again, err := Read(path2)
		if err != nil || !sameArrays(again, arrays) {
			t.Fatalf("Read of what Write wrote: %v", err)
		}
	})
}

type seed struct {
	name string
	b    []byte
	want string // "" when read without error, else a part of the error
}

// fuzzSeeds returns the seed corpora of FuzzReadNPY and FuzzRead, with
// what reading each gives.
func fuzzSeeds(t testing.TB) (npy, npz []seed) {
	hdr := func(descr, shape string, fortran bool) string {
		return fmt.Sprintf("{'descr': '%s', 'fortran_order': %v, 'shape': %s, }\n", descr, map[bool]string{true: "True", false: "False"}[fortran], shape)
	}
	for _, a := range sampleArrays() {
		npy = append(npy, seed{"valid-" + a.Name, npyOf(t, a), ""})
	}
	f8 := npyOf(t, Array{Shape: []int{3}, Data: []float64{1, -2, 3}})
	npy = append(npy,
		seed{"valid-b1", npyBytes(1, 0, hdr("|b1", "(3,)", false), 3), ""},
		seed{"valid-i1", append(npyBytes(1, 0, hdr("|i1", "(2,)", false), 0), 0xff, 0x7f), ""},
		seed{"valid-big-endian-f8", append(npyBytes(1, 0, hdr(">f8", "(1,)", false), 0), 0x3f, 0xf0, 0, 0, 0, 0, 0, 0), ""},
		seed{"valid-fortran-i4", append(npyBytes(1, 0, hdr("<i4", "(2, 3)", true), 0), 1, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0), ""},
		seed{"valid-v2", npyBytes(2, 0, hdr("<f4", "(2,)", false), 8), ""},
		seed{"valid-v3", npyBytes(3, 0, hdr("<i8", "(1,)", false), 8), ""},
		seed{"valid-py2-long", npyBytes(1, 0, hdr("<f4", "(1L, 2L)", false), 8), ""},
		seed{"truncated-data", f8[:len(f8)-3], "data ends after 21 bytes"},
		seed{"truncated-header", f8[:40], "truncated .npy header"},
		seed{"truncated-magic", f8[:5], "not an .npy stream"},
		seed{"huge-shape", npyBytes(1, 0, hdr("<f8", "(268435456,)", false), 64), "data ends after 64 bytes"},
		seed{"huge-shape-over-limit", npyBytes(1, 0, hdr("<f8", "(1099511627776,)", false), 64), "more than the limit"},
		seed{"overflowing-shape", npyBytes(1, 0, hdr("<f4", "(4611686018427387904, 4)", false), 0), "more than 2^63-1 bytes"},
		seed{"negative-shape", npyBytes(1, 0, hdr("<f4", "(-1,)", false), 0), "non-negative"},
		seed{"duplicated-key", npyBytes(1, 0, "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}\n", 8), "appears twice"},
		seed{"missing-key", npyBytes(1, 0, "{'descr': '<f4', 'shape': (1,)}\n", 4), "lacks fortran_order"},
		seed{"bad-version", npyBytes(4, 0, hdr("<f4", "(1,)", false), 4), "version = 4.0"},
		seed{"long-header-length", append([]byte("\x93NUMPY\x02\x00"), 0xff, 0xff, 0xff, 0xff), "header length = 4294967295"},
	)

	archive := func(arrays ...Array) []byte {
		p := filepath.Join(t.TempDir(), "s.npz")
		if err := Write(p, arrays...); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	small := Array{Name: "w", Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}
	smallNPY := npyOf(t, small)
	stored := zipBytes(t, zip.Store, rawEntry{"w.npy", smallNPY})
	badCRC := append([]byte(nil), stored...)
	badCRC[bytes.Index(badCRC, smallNPY)+len(smallNPY)-1] ^= 1
	valid := archive(sampleArrays()...)
	npz = []seed{
		{"valid-all-dtypes", valid, ""},
		{"valid-stored", stored, ""},
		{"valid-empty-archive", zipBytes(t, zip.Store), ""},
		{"bad-crc", badCRC, "CRC-32 mismatch"},
		{"truncated", valid[:len(valid)/2], "not an .npz archive"},
		{"huge-declared-entry", rawZip(t, zip.FileHeader{Name: "junk.npy", Method: zip.Store, CompressedSize64: 128 + 8<<30, UncompressedSize64: 128 + 8<<30}, npyBytes(1, 0, hdr("<f8", "(1073741824,)", false)+strings.Repeat(" ", 128-10-len(hdr("<f8", "(1073741824,)", false))), 0)), "more than the file's"},
		{"duplicated-key-header", zipBytes(t, zip.Store, rawEntry{"w.npy", npyBytes(1, 0, "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}\n", 8)}), "appears twice"},
		{"duplicated-entry", zipBytes(t, zip.Store, rawEntry{"w.npy", smallNPY}, rawEntry{"w.npy", smallNPY}), "appears twice"},
		{"not-npy-entry", zipBytes(t, zip.Store, rawEntry{"readme.txt", []byte("hi")}), "is not allowed"},
		{"path-entry", zipBytes(t, zip.Store, rawEntry{"../w.npy", smallNPY}), "is not allowed"},
		{"data-after-array", zipBytes(t, zip.Deflate, rawEntry{"w.npy", append(append([]byte(nil), smallNPY...), 1, 2, 3)}), "the sizes must agree"},
	}
	return npy, npz
}

func corpusFile(b []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n")
}

func parseCorpusFile(b []byte) ([]byte, error) {
	s, ok := strings.CutPrefix(string(b), "go test fuzz v1\n[]byte(")
	if !ok {
		return nil, fmt.Errorf("not a one-[]byte corpus file")
	}
	s, ok = strings.CutSuffix(strings.TrimRight(s, "\n"), ")")
	if !ok {
		return nil, fmt.Errorf("not a one-[]byte corpus file")
	}
	u, err := strconv.Unquote(s)
	return []byte(u), err
}

// TestFuzzSeeds checks that the committed seed corpora still hold what
// fuzzSeeds describes (each seed is read as its want says), so that plain
// go test runs the fuzz targets on valid files of each type, truncated
// ones, huge and overflowing shapes, a duplicated key and a bad CRC-32.
// With -update-seeds it writes them first.
func TestFuzzSeeds(t *testing.T) {
	npy, npz := fuzzSeeds(t)
	for _, set := range []struct {
		target string
		seeds  []seed
		read   func(b []byte) error
	}{
		{"FuzzReadNPY", npy, func(b []byte) error { _, _, err := ReadNPY(bytes.NewReader(b)); return err }},
		{"FuzzRead", npz, func(b []byte) error {
			_, err := ReadWith(writeTemp(t, "s.npz", b), Options{MaxBytes: fuzzMaxBytes})
			return err
		}},
	} {
		dir := filepath.Join("testdata", "fuzz", set.target)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, s := range set.seeds {
				if err := os.WriteFile(filepath.Join(dir, s.name), corpusFile(s.b), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, s := range set.seeds {
			raw, err := os.ReadFile(filepath.Join(dir, s.name))
			if err != nil {
				t.Errorf("%s: %v (go test ./npz/ -run TestFuzzSeeds -update-seeds writes it)", set.target, err)
				continue
			}
			b, err := parseCorpusFile(raw)
			if err != nil {
				t.Errorf("%s/%s: %v", set.target, s.name, err)
				continue
			}
			err = set.read(b)
			switch {
			case s.want == "" && err != nil:
				t.Errorf("%s/%s: %v, want no error", set.target, s.name, err)
			case s.want != "" && (err == nil || !strings.Contains(err.Error(), s.want)):
				t.Errorf("%s/%s: got %v, want an error containing %q", set.target, s.name, err, s.want)
			}
		}
	}
}
