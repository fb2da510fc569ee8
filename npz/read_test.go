package npz

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func npyOf(t testing.TB, a Array) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteNPY(&b, a.Shape, a.Data); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type rawEntry struct {
	name string
	data []byte
}

// zipBytes builds a zip archive of entries with the given method, as
// archive/zip writes it (numpy.savez stores, Write deflates).
func zipBytes(t testing.TB, method uint16, entries ...rawEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if e.data == nil {
			continue // a directory
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawZip builds an archive of one entry whose directory record says what
// fh says, whatever the bytes.
func rawZip(t testing.TB, fh zip.FileHeader, raw []byte, more ...rawEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range more {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	w, err := zw.CreateRaw(&fh)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(raw)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sameArrays(got map[string]Array, want []Array) bool {
	if len(got) != len(want) {
		return false
	}
	for _, a := range want {
		g, ok := got[a.Name]
		if !ok || g.Name != a.Name || !reflect.DeepEqual(g.Shape, a.Shape) || !reflect.DeepEqual(g.Data, a.Data) {
			return false
		}
	}
	return true
}

func flipArrays() []Array {
	return []Array{
		{Name: "w", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 4, 5, 6}},
		{Name: "mask", Shape: []int{3}, Data: []uint8{1, 0, 1}},
	}
}

// TestReadBitFlips flips every bit of small archives, one at a time: Read
// must either fail or return exactly the arrays written. Before the CRC-32
// was checked, flips in the data were read as different values.
func TestReadBitFlips(t *testing.T) {
	want := flipArrays()
	dir := t.TempDir()
	written := filepath.Join(dir, "written.npz")
	if err := Write(written, want...); err != nil {
		t.Fatal(err)
	}
	deflated, err := os.ReadFile(written)
	if err != nil {
		t.Fatal(err)
	}
	var entries []rawEntry
	for _, a := range want {
		entries = append(entries, rawEntry{a.Name + ".npy", npyOf(t, a)})
	}
	for _, tc := range []struct {
		name    string
		archive []byte
	}{
		{"deflated by Write", deflated},
		{"stored", zipBytes(t, zip.Store, entries...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "flipped.npz")
			os.WriteFile(path, tc.archive, 0o644)
			if got, err := Read(path); err != nil || !sameArrays(got, want) {
				t.Fatalf("unflipped archive: %v", err)
			}
			accepted, crc := 0, 0
			b := make([]byte, len(tc.archive))
			for i := range tc.archive {
				for bit := range 8 {
					copy(b, tc.archive)
					b[i] ^= 1 << bit
					if err := os.WriteFile(path, b, 0o644); err != nil {
						t.Fatal(err)
					}
					got, err := Read(path)
					switch {
					case err == nil && !sameArrays(got, want):
						t.Fatalf("byte %d bit %d: read different arrays without an error: %v", i, bit, got)
					case err == nil:
						accepted++
					case errors.Is(err, zip.ErrChecksum):
						crc++
					}
					if err != nil && strings.Contains(err.Error(), "\n") {
						t.Fatalf("byte %d bit %d: error is not one line: %q", i, bit, err)
					}
				}
			}
			t.Logf("%d bytes: %d flips read back intact (fields that do not affect the data), %d refused for the CRC-32, the rest for other damage", len(tc.archive), accepted, crc)
			if crc == 0 {
				t.Fatal("no flip was caught by the CRC-32 check")
			}
		})
	}
}

// TestReadRandomFlips flips several random bits at once (seeded) in an
// archive Write wrote.
func TestReadRandomFlips(t *testing.T) {
	want := flipArrays()
	dir := t.TempDir()
	written := filepath.Join(dir, "a.npz")
	if err := Write(written, want...); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(written)
	rng := rand.New(rand.NewPCG(1, 2))
	path := filepath.Join(dir, "flipped.npz")
	b := make([]byte, len(orig))
	for i := range 3000 {
		copy(b, orig)
		for range 1 + rng.IntN(4) {
			b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
		}
		os.WriteFile(path, b, 0o644)
		if got, err := Read(path); err == nil && !sameArrays(got, want) {
			t.Fatalf("trial %d: read different arrays without an error: %v", i, got)
		}
	}
}

func TestReadDamagedEntries(t *testing.T) {
	a := Array{Name: "w", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}
	npy := npyOf(t, a)
	small := rawEntry{"small.npy", npyOf(t, Array{Shape: []int{1}, Data: []uint8{7}})}

	badCRC := zipBytes(t, zip.Store, small, rawEntry{"w.npy", npy})
	// change one byte of w's stored data: the last float's top byte
	i := bytes.LastIndex(badCRC, npy) + len(npy) - 1
	badCRC[i] ^= 0x40

	localName := zipBytes(t, zip.Store, rawEntry{"w.npy", npy})
	copy(localName[30:], "v.npy") // the local header's name

	trunc := append([]byte(nil), npy[:len(npy)-4]...)
	deflHeader := func(b []byte, fill int) []byte {
		var c bytes.Buffer
		fw, _ := flate.NewWriter(&c, flate.BestSpeed)
		fw.Write(b)
		fw.Flush()
		return append(c.Bytes(), make([]byte, fill)...)
	}
	tests := []struct {
		name    string
		archive []byte
		want    string
	}{
		{"bad CRC-32", badCRC, `entry "w.npy": CRC-32 mismatch`},
		{"data after the array", zipBytes(t, zip.Deflate, rawEntry{"w.npy", append(append([]byte(nil), npy...), 0, 0)}), `entry "w.npy": the zip directory declares 154 bytes, but its .npy header declares 152 (a 128-byte header and shape [2 3] of <f4)`},
		{"data short of the header's shape", zipBytes(t, zip.Deflate, rawEntry{"w.npy", trunc}), "declares 148 bytes, but its .npy header declares 152"},
		{"local header names another entry", localName, `entry "w.npy": the local file header names it "v.npy"`},
		{"stored sizes disagree", rawZip(t, zip.FileHeader{Name: "w.npy", Method: zip.Store, CRC32: crc32.ChecksumIEEE(trunc), CompressedSize64: uint64(len(trunc)), UncompressedSize64: uint64(len(npy))}, trunc), "declares 152 bytes stored in 148"},
		{"deflate ratio impossible", rawZip(t, zip.FileHeader{Name: "w.npy", Method: zip.Deflate, CompressedSize64: uint64(len(deflHeader(npy[:64], 0))), UncompressedSize64: 64 + 1<<30}, deflHeader(npy[:64], 0)), "more than deflate's 1032:1"},
		{"compressed size beyond the file", rawZip(t, zip.FileHeader{Name: "w.npy", Method: zip.Deflate, CompressedSize64: 1 << 40, UncompressedSize64: 88}, deflHeader(npy, 0)), "compressed bytes, more than the file's"},
		{"deflate stream longer than declared", rawZip(t, zip.FileHeader{Name: "w.npy", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(npy), CompressedSize64: uint64(len(deflHeader(append(append([]byte(nil), npy...), 9, 9), 0))), UncompressedSize64: uint64(len(npy))}, deflHeader(append(append([]byte(nil), npy...), 9, 9), 0)), `entry "w.npy": data after the array's end is not allowed`},
		{"not a zip", []byte("hello"), "is not an .npz archive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "d.npz", tc.archive)
			_, err := Read(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want an error naming %s and containing %q", err, path, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
		})
	}
	if _, err := Read(writeTemp(t, "d.npz", badCRC)); !errors.Is(err, zip.ErrChecksum) {
		t.Errorf("CRC error %v does not wrap zip.ErrChecksum", err)
	}
}

func TestReadEntryNames(t *testing.T) {
	npy := npyOf(t, Array{Shape: []int{1}, Data: []uint8{1}})
	for _, name := range []string{"a.txt", "a", "../a.npy", "/a.npy", "dir/a.npy", `a\b.npy`, ".npy", "..npy", "...npy", "dir/", "a\x00.npy"} {
		t.Run(name, func(t *testing.T) {
			path := writeTemp(t, "n.npz", zipBytes(t, zip.Store, rawEntry{"ok.npy", npy}, rawEntry{name, entryData(name, npy)}))
			for _, read := range []func() error{
				func() error { _, err := Read(path); return err },
				func() error { _, err := ReadWith(path, Options{Names: []string{"ok"}}); return err },
				func() error { _, err := List(path); return err },
			} {
				err := read()
				if err == nil || !strings.Contains(err.Error(), "is not allowed") || !strings.Contains(err.Error(), path) {
					t.Fatalf("got %v, want entry %q refused", err, name)
				}
			}
		})
	}
	t.Run("twice", func(t *testing.T) {
		path := writeTemp(t, "n.npz", zipBytes(t, zip.Store, rawEntry{"a.npy", npy}, rawEntry{"a.npy", npy}))
		if _, err := Read(path); err == nil || !strings.Contains(err.Error(), `entry "a.npy" appears twice`) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("Write refuses what Read refuses", func(t *testing.T) {
		for _, name := range []string{"", ".", "..", "a/b", `a\b`, "a\x00"} {
			err := Write(filepath.Join(t.TempDir(), "w.npz"), Array{Name: name, Shape: []int{1}, Data: []uint8{1}})
			if err == nil || !strings.Contains(err.Error(), "is not allowed") {
				t.Errorf("name %q: %v", name, err)
			}
		}
	})
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// hugeEntry returns a deflate entry that declares an f8 array of n
// elements: its header is real, the rest of its compressed bytes are
// filler, as many as deflate would need at best.
func hugeEntry(t testing.TB, name string, n int) (zip.FileHeader, []byte) {
	var hdr bytes.Buffer
	if err := WriteNPY(&hdr, []int{0}, []float64{}); err != nil {
		t.Fatal(err)
	}
	h := bytes.Replace(hdr.Bytes(), []byte("(0,),"), []byte("("+itoa(n)+",),"), 1)
	h = h[:len(h)-len(itoa(n))+1] // keep the header's length: drop padding
	h[len(h)-1] = '\n'
	size := uint64(len(h)) + uint64(n)*8
	var c bytes.Buffer
	fw, _ := flate.NewWriter(&c, flate.BestSpeed)
	fw.Write(h)
	fw.Flush()
	raw := append(c.Bytes(), make([]byte, size/maxDeflateRatio)...)
	return zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(len(raw)), UncompressedSize64: size}, raw
}

func itoa(n int) string {
	var b []byte
	for ; n > 0 || len(b) == 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestReadLimit: an archive declaring a 8 GiB array (the red team's was
// 2.5 GiB in a 2.4 MB masks.npz) is refused before anything is allocated,
// and its small arrays can be read without touching it.
func TestReadLimit(t *testing.T) {
	smallA := Array{Name: "small", Shape: []int{2}, Data: []float32{1, 2}}
	fh, raw := hugeEntry(t, "junk.npy", 1<<30)
	path := writeTemp(t, "masks.npz", rawZip(t, fh, raw, rawEntry{"small.npy", npyOf(t, smallA)}))
	var err error
	if n := allocated(func() { _, err = Read(path) }); n > 4<<20 {
		t.Errorf("Read allocated %d bytes before refusing", n)
	}
	if err == nil || !strings.Contains(err.Error(), "need 8589934600 bytes (8.0 GiB) in memory") || !strings.Contains(err.Error(), "limit of 4294967296 bytes (4.0 GiB)") || !strings.Contains(err.Error(), `"junk"`) {
		t.Fatalf("got %v, want the bytes needed and the limit", err)
	}
	var got map[string]Array
	if n := allocated(func() { got, err = ReadWith(path, Options{Names: []string{"small", "absent"}}) }); n > 4<<20 {
		t.Errorf("ReadWith(small) allocated %d bytes", n)
	}
	if err != nil || !sameArrays(got, []Array{smallA}) {
		t.Fatalf("ReadWith(small): %v %v", got, err)
	}
	infos, err := List(path)
	if err != nil || len(infos) != 2 || infos[0].Name != "junk" || infos[0].Bytes != 8<<30 || infos[0].Descr != "<f8" || !reflect.DeepEqual(infos[0].Shape, []int{1 << 30}) || infos[1].Name != "small" || infos[1].Bytes != 8 {
		t.Fatalf("List: %+v %v", infos, err)
	}
}

func TestReadWithOptions(t *testing.T) {
	arrays := []Array{
		{Name: "a", Shape: []int{4}, Data: []float32{1, 2, 3, 4}},  // 16 bytes
		{Name: "b", Shape: []int{128}, Data: make([]float64, 128)}, // 1024
		{Name: "c", Shape: []int{3}, Data: []int32{-1, 0, 1}},      // 12
		{Name: "d", Shape: []int{2}, Data: []uint8{1, 2}},          // 2
		{Name: "e", Shape: []int{1, 1}, Data: []int64{1 << 40}},    // 8
		{Name: "f", Shape: []int{}, Data: []float64{3}},            // 8
		{Name: "g", Shape: []int{0, 5}, Data: []float32{}},         // 0
	}
	path := filepath.Join(t.TempDir(), "o.npz")
	if err := Write(path, arrays...); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opt  Options
		want []Array // nil: an error containing err
		err  string
	}{
		{"zero value reads all", Options{}, arrays, ""},
		{"names", Options{Names: []string{"c", "a", "a"}}, []Array{arrays[2], arrays[0]}, ""},
		{"absent name", Options{Names: []string{"zz"}}, []Array{}, ""},
		{"limit exactly", Options{MaxBytes: 1070}, arrays, ""},
		{"limit one short", Options{MaxBytes: 1069}, nil, "its 7 arrays need 1070 bytes (1.0 KiB) in memory (the largest, \"b\", 1.0 KiB): more than the limit of 1069 bytes"},
		{"limit with names", Options{MaxBytes: 20, Names: []string{"a", "d"}}, []Array{arrays[0], arrays[3]}, ""},
		{"negative limit is the default", Options{MaxBytes: -1}, arrays, ""},
		{"invalid name", Options{Names: []string{"a", "x/y"}}, nil, `Options.Names[1] = "x/y" is not allowed`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadWith(path, tc.opt)
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want an error containing %q", err, tc.err)
				}
				return
			}
			if err != nil || !sameArrays(got, tc.want) {
				t.Fatalf("got %v %v", got, err)
			}
		})
	}
}

func TestList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "l.npz")
	if err := Write(path, Array{Name: "z", Shape: []int{2, 2}, Data: []float64{1, 2, 3, 4}}, Array{Name: "a", Shape: []int{3}, Data: []uint8{1, 2, 3}}); err != nil {
		t.Fatal(err)
	}
	i8 := npyOf(t, Array{Shape: []int{5}, Data: []uint8{1, 2, 3, 4, 5}})
	i8 = bytes.Replace(i8, []byte("|u1"), []byte("|i1"), 1)
	p2 := writeTemp(t, "i8.npz", zipBytes(t, zip.Store, rawEntry{"b.npy", i8}))
	for _, tc := range []struct {
		path string
		want []Info
	}{
		{path, []Info{{Name: "a", Shape: []int{3}, Descr: "|u1", Bytes: 3}, {Name: "z", Shape: []int{2, 2}, Descr: "<f8", Bytes: 32}}},
		{p2, []Info{{Name: "b", Shape: []int{5}, Descr: "|i1", Bytes: 20}}}, // int8 becomes int32
	} {
		got, err := List(tc.path)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("List(%s) = %+v %v, want %+v", tc.path, got, err, tc.want)
		}
	}
	got, err := Read(p2)
	if err != nil || !reflect.DeepEqual(got["b"].Data, []int32{1, 2, 3, 4, 5}) {
		t.Errorf("int8 read as %v %v", got["b"].Data, err)
	}
}

// TestReadNPYHugeShape: a stream or file that declares a large array but
// holds little of it fails without allocating what it declares.
func TestReadNPYHugeShape(t *testing.T) {
	declare := func(n int, data int) []byte {
		h := strings.Replace(std, "(2,)", "("+itoa(n)+",)", 1)
		h = strings.Replace(h, "<f4", "<f8", 1) + "\n"
		return npyBytes(1, 0, h, data)
	}
	tests := []struct {
		name  string
		b     []byte
		want  string
		alloc uint64
	}{
		{"2 GiB declared, 1000 bytes there", declare(1<<28, 1000), "data ends after 1000 bytes: shape [268435456] of <f8 needs 2147483648", 4 << 20},
		{"8 GiB declared", declare(1<<30, 1000), "needs 8589934592 bytes (8.0 GiB) in memory, more than the limit of 4294967296 bytes (4.0 GiB)", 1 << 20},
		{"product overflows", npyBytes(1, 0, strings.Replace(std, "(2,)", "(4611686018427387904, 4)", 1), 0), "would take more than 2^63-1 bytes", 1 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if n := allocated(func() { _, _, err = ReadNPY(bytes.NewReader(tc.b)) }); n > tc.alloc {
				t.Errorf("ReadNPY allocated %d bytes", n)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadNPY: got %v, want %q", err, tc.want)
			}
			path := writeTemp(t, "h.npy", tc.b)
			if n := allocated(func() { _, err = ReadNPYFile(path) }); n > 1<<20 {
				t.Errorf("ReadNPYFile allocated %d bytes", n)
			}
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Fatalf("ReadNPYFile: got %v", err)
			}
		})
	}
}

func TestReadNPYFileSize(t *testing.T) {
	good := npyOf(t, Array{Shape: []int{2}, Data: []float32{1, 2}})
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"trailing data", append(append([]byte(nil), good...), 'x'), "the file has 137 bytes, but its .npy header declares 136"},
		{"truncated", good[:len(good)-2], "the file has 134 bytes, but its .npy header declares 136"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "s.npy", tc.b)
			_, err := ReadNPYFile(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	a, err := ReadNPYFile(writeTemp(t, "ok.npy", good))
	if err != nil || a.Name != "ok" || !reflect.DeepEqual(a.Data, []float32{1, 2}) {
		t.Fatalf("good file: %+v %v", a, err)
	}
}

func TestElemCount(t *testing.T) {
	tests := []struct {
		shape []int
		size  int
		want  int64
		err   string
	}{
		{[]int{}, 4, 1, ""},
		{[]int{2, 3}, 8, 6, ""},
		{[]int{0, 1 << 62}, 1, 0, ""},
		{[]int{1 << 62, 0}, 1, 0, ""},
		{[]int{1 << 62, 0}, 2, 0, "more than 2^63-1 bytes"},
		{[]int{1 << 31, 1 << 31}, 1, 1 << 62, ""},
		{[]int{1 << 31, 1 << 31}, 2, 0, "more than 2^63-1 bytes"},
		{[]int{3, -1}, 4, 0, "dimensions must be non-negative"},
		{make([]int, 33), 4, 0, "at most 32"},
	}
	for _, tc := range tests {
		got, err := elemCount(tc.shape, tc.size)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("elemCount(%v, %d) = %d, %v; want error %q", tc.shape, tc.size, got, err, tc.err)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("elemCount(%v, %d) = %d, %v; want %d", tc.shape, tc.size, got, err, tc.want)
		}
	}
	if err := WriteNPY(&bytes.Buffer{}, []int{1 << 62, 4}, []float32{}); err == nil {
		t.Error("WriteNPY accepted an overflowing shape")
	}
	if err := WriteNPY(&bytes.Buffer{}, []int{-2, -3}, make([]float32, 6)); err == nil {
		t.Error("WriteNPY accepted negative dimensions")
	}
}

func TestFortranOrder3D(t *testing.T) {
	// value 100i+10j+k at (i, j, k) of shape (2, 3, 4), stored column-major
	f := make([]int32, 24)
	for i := range 2 {
		for j := range 3 {
			for k := range 4 {
				f[i+2*j+6*k] = int32(100*i + 10*j + k)
			}
		}
	}
	b := npyOf(t, Array{Shape: []int{2, 3, 4}, Data: f})
	b = bytes.Replace(b, []byte("'fortran_order': False"), []byte("'fortran_order': True "), 1)
	_, data, err := ReadNPY(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	d := data.([]int32)
	for i := range 2 {
		for j := range 3 {
			for k := range 4 {
				if got := d[(i*3+j)*4+k]; got != int32(100*i+10*j+k) {
					t.Fatalf("(%d,%d,%d) = %d", i, j, k, got)
				}
			}
		}
	}
}

func entryData(name string, npy []byte) []byte {
	if strings.HasSuffix(name, "/") {
		return nil
	}
	return npy
}

// TestReadLocalHeaderWithLargeExtra: the local file header is found past
// a long extra field (here 2000 bytes), and its name still checked.
func TestReadLocalHeaderWithLargeExtra(t *testing.T) {
	a := Array{Name: "w", Shape: []int{2}, Data: []float32{1, 2}}
	extra := append([]byte{0xfe, 0xca, 0xcc, 0x07}, make([]byte, 1996)...) // tag 0xcafe, 1996 bytes
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "w.npy", Method: zip.Store, Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(npyOf(t, a))
	zw.Close()
	if n := int(b.Bytes()[28]) | int(b.Bytes()[29])<<8; n != len(extra) {
		t.Fatalf("local extra field of %d bytes, want %d", n, len(extra))
	}
	got, err := Read(writeTemp(t, "x.npz", b.Bytes()))
	if err != nil || !sameArrays(got, []Array{a}) {
		t.Fatalf("got %v %v", got, err)
	}
	damaged := b.Bytes()
	damaged[30] = 'v' // the local header's name
	if _, err := Read(writeTemp(t, "x.npz", damaged)); err == nil || !strings.Contains(err.Error(), `local file header names it "v.npy"`) {
		t.Fatalf("got %v", err)
	}
}
