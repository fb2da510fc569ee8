package npz

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultMaxBytes is the most memory, in bytes, that Read (over all the
// arrays of an archive), ReadNPY and ReadNPYFile let the arrays they
// return take: 4 GiB. ReadWith takes another limit in Options.MaxBytes.
const DefaultMaxBytes int64 = 4 << 30

// validName reports whether name can be an array's name: non-empty,
// without slashes, backslashes or NUL bytes, and not "." or "..", so that
// NAME.npy is one plain file name wherever it is unpacked.
func validName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\\\x00")
}

const nameRule = "a name is non-empty, without slashes, backslashes or NUL bytes, and not . or .."

// Write writes the arrays to an .npz archive at path, atomically: the file
// either keeps its old content or holds all the new arrays. Names must be
// unique and valid: non-empty, without slashes, backslashes or NUL bytes,
// and not . or .. (Read refuses the others).
func Write(path string, arrays ...Array) error {
	seen := map[string]bool{}
	for _, a := range arrays {
		if !validName(a.Name) {
			return fmt.Errorf("npz: %s: array name %q is not allowed: %s", path, a.Name, nameRule)
		}
		if seen[a.Name] {
			return fmt.Errorf("npz: %s: array name %q appears twice", path, a.Name)
		}
		seen[a.Name] = true
		if dt, n, err := dtypeOf(a.Data); err != nil {
			return fmt.Errorf("npz: %s: array %q: %v", path, a.Name, strings.TrimPrefix(err.Error(), "npz: "))
		} else if want, err := elemCount(a.Shape, dt.size); err != nil || want != int64(n) {
			return fmt.Errorf("npz: %s: array %q: shape %v does not match its %d values", path, a.Name, a.Shape, n)
		}
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, a := range arrays {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Deflate})
			if err != nil {
				return err
			}
			bw := bufio.NewWriterSize(f, 1<<16)
			if err := WriteNPY(bw, a.Shape, a.Data); err != nil {
				return fmt.Errorf("%v (array %q)", err, a.Name)
			}
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		return zw.Close()
	})
}

// Options says which arrays ReadWith reads and how much memory they may
// take. The zero value reads every array, up to DefaultMaxBytes.
type Options struct {
	// Names are the arrays to read, without the .npy suffix; empty means
	// all of them. The archive's other entries are not decompressed (only
	// their names are checked), and a name the archive lacks is simply
	// absent from the result.
	Names []string
	// MaxBytes is the most memory the arrays read may take together, in
	// bytes: the sum of their element counts times 8 (float64, int64),
	// 4 (float32, int32 and int8, which becomes int32) or 1 (uint8,
	// bool). Zero or less means DefaultMaxBytes. The limit is checked
	// against the sizes the entries declare, before any array is
	// allocated.
	MaxBytes int64
}

// Read reads every array of an .npz archive, keyed by name (without the
// .npy suffix): ReadWith with the zero Options, so at most
// DefaultMaxBytes of arrays.
func Read(path string) (map[string]Array, error) {
	return ReadWith(path, Options{})
}

// ReadWith reads the arrays of an .npz archive that opt selects, keyed by
// name (without the .npy suffix).
//
// Every entry's name must be NAME.npy with a valid array name, and appear
// once. Before allocating any array it reads the .npy header of each
// selected entry and checks that it is one numpy reads, that its size
// agrees with the size the zip directory declares for the entry, and that
// the arrays fit in opt.MaxBytes (the error says how much they need).
// Each entry is then decoded and read to its end, so that its CRC-32 is
// checked and nothing may follow the array. Errors name the file and the
// entry.
//
// Memory: the arrays returned (at most MaxBytes), one more copy of the
// largest Fortran-ordered array while it is reordered, and a few hundred
// KiB of buffers. A damaged entry can cost its declared size (within
// MaxBytes) before the damage shows.
func ReadWith(path string, opt Options) (map[string]Array, error) {
	limit := opt.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	var want map[string]bool
	if len(opt.Names) > 0 {
		want = make(map[string]bool, len(opt.Names))
		for i, n := range opt.Names {
			if !validName(n) {
				return nil, fmt.Errorf("npz: %s: Options.Names[%d] = %q is not allowed: %s", path, i, n, nameRule)
			}
			want[n] = true
		}
	}
	a, err := openArchive(path)
	if err != nil {
		return nil, err
	}
	defer a.close()
	var sel []entry
	for _, e := range a.entries {
		if want == nil || want[e.name] {
			sel = append(sel, e)
		}
	}
	heads := make([]header, len(sel))
	var total, largest int64
	var largestName string
	for i, e := range sel {
		if heads[i], err = a.check(e); err != nil {
			return nil, err
		}
		m := heads[i].memBytes()
		total = min(total, math.MaxInt64-m) + m // saturating
		if m > largest {
			largest, largestName = m, e.name
		}
	}
	if total > limit {
		arrays := "arrays"
		if len(sel) == 1 {
			arrays = "array"
		}
		return nil, fmt.Errorf("npz: %s: its %d %s need %d bytes (%s) in memory (the largest, %q, %s): more than the limit of %d bytes (%s); read only the arrays needed (ReadWith, Options.Names) or raise Options.MaxBytes", path, len(sel), arrays, total, human(total), largestName, human(largest), limit, human(limit))
	}
	out := make(map[string]Array, len(sel))
	for i, e := range sel {
		data, err := a.decode(e, heads[i])
		if err != nil {
			return nil, err
		}
		out[e.name] = Array{Name: e.name, Shape: heads[i].shape, Data: data}
	}
	return out, nil
}

// Info describes one array of an .npz archive, as its .npy header
// declares it.
type Info struct {
	Name  string // without the .npy suffix
	Shape []int
	Descr string // the header's element type, such as "<f4"
	Bytes int64  // the memory the array takes once read (what counts against Options.MaxBytes)
}

// List returns the arrays of an .npz archive, sorted by name, from their
// .npy headers, with the checks ReadWith makes before reading any data;
// it reads no array data (so the CRC-32 is not checked).
func List(path string) ([]Info, error) {
	a, err := openArchive(path)
	if err != nil {
		return nil, err
	}
	defer a.close()
	out := make([]Info, 0, len(a.entries))
	for _, e := range a.entries {
		h, err := a.check(e)
		if err != nil {
			return nil, err
		}
		out = append(out, Info{Name: e.name, Shape: h.shape, Descr: h.descr, Bytes: h.memBytes()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// maxDeflateRatio bounds how many bytes one compressed byte of deflate
// data can give: a 258-byte match in 2 bits.
const maxDeflateRatio = 1032

type archive struct {
	path    string
	file    *os.File
	size    int64
	zr      *zip.Reader
	entries []entry
	buf     []byte // for checkLocalName
}

type entry struct {
	f    *zip.File
	name string // without .npy
}

// openArchive opens an .npz archive and checks its entries' names.
func openArchive(path string) (*archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("npz: %v", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("npz: %v", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("npz: %s is not an .npz archive: not a regular file", path)
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		f.Close()
		return nil, fmt.Errorf("npz: %s is not an .npz archive: %v", path, err)
	}
	a := &archive{path: path, file: f, size: fi.Size(), zr: zr}
	seen := make(map[string]bool, len(zr.File))
	for _, zf := range zr.File {
		name, ok := strings.CutSuffix(zf.Name, ".npy")
		if !ok || !validName(name) {
			a.close()
			return nil, fmt.Errorf("npz: %s: entry %q is not allowed: an .npz archive holds only entries NAME.npy, where %s", path, zf.Name, nameRule)
		}
		if seen[name] {
			a.close()
			return nil, fmt.Errorf("npz: %s: entry %q appears twice, which is not allowed: each array appears once", path, zf.Name)
		}
		seen[name] = true
		a.entries = append(a.entries, entry{f: zf, name: name})
	}
	return a, nil
}

func (a *archive) close() { a.file.Close() }

func (a *archive) errorf(e entry, format string, args ...any) error {
	return fmt.Errorf("npz: %s: entry %q: "+format, append([]any{a.path, e.f.Name}, args...)...)
}

// check reads the .npy header of an entry and checks it against the
// entry's declared size and local file header; it reads no array data.
func (a *archive) check(e entry) (header, error) {
	if err := a.checkLocalName(e); err != nil {
		return header{}, a.errorf(e, "%v", err)
	}
	// The data will be allocated at once, so its declared size must be
	// one the entry's bytes can hold: as many for a stored entry, at most
	// deflate's 1032:1 for a compressed one, and those bytes in the file.
	c, u := e.f.CompressedSize64, e.f.UncompressedSize64
	switch {
	case c > uint64(a.size):
		return header{}, a.errorf(e, "the zip directory declares %d compressed bytes, more than the file's %d: the archive is damaged", c, a.size)
	case e.f.Method == zip.Store && c != u:
		return header{}, a.errorf(e, "the zip directory declares %d bytes stored in %d: a stored entry's sizes must agree (the archive is damaged)", u, c)
	case e.f.Method == zip.Deflate && u/maxDeflateRatio > c:
		return header{}, a.errorf(e, "the zip directory declares %d bytes compressed into %d, more than deflate's %d:1 allows: the archive is damaged", u, c, maxDeflateRatio)
	}
	rc, err := e.f.Open()
	if err != nil {
		return header{}, a.errorf(e, "%v", err)
	}
	defer rc.Close()
	h, err := readHeader(rc)
	if err != nil {
		return header{}, a.errorf(e, "%v", err)
	}
	if size := h.prefix + h.dataBytes(); uint64(size) != e.f.UncompressedSize64 {
		return header{}, a.errorf(e, "the zip directory declares %d bytes, but its .npy header declares %d (a %d-byte header and shape %v of %s): the sizes must agree", e.f.UncompressedSize64, size, h.prefix, h.shape, h.descr)
	}
	if err := checkLimit(h, math.MaxInt64); err != nil { // this platform's
		return header{}, a.errorf(e, "%v", err)
	}
	return h, nil
}

// decode reads the data of an entry whose header check returned h, to
// the entry's end, checking its CRC-32.
func (a *archive) decode(e entry, h header) (any, error) {
	rc, err := e.f.Open()
	if err != nil {
		return nil, a.errorf(e, "%v", err)
	}
	defer rc.Close()
	cr := &crcReader{r: rc, h: crc32.NewIEEE()}
	h2, err := readHeader(cr)
	if err != nil {
		return nil, a.errorf(e, "%w", a.damaged(err))
	}
	if !h2.same(h) {
		return nil, a.errorf(e, "its .npy header changed while the archive was read")
	}
	data, err := readData(cr, h, true)
	if err != nil {
		return nil, a.errorf(e, "%w", a.damaged(err))
	}
	var b [1]byte
	switch n, err := io.ReadFull(cr, b[:]); {
	case n > 0 || errors.Is(err, zip.ErrFormat): // archive/zip's error for more bytes than declared
		return nil, a.errorf(e, "data after the array's end is not allowed: an .npy entry ends with its data")
	case err != io.EOF:
		return nil, a.errorf(e, "%w", a.damaged(err))
	}
	if sum := cr.h.Sum32(); sum != e.f.CRC32 {
		return nil, a.errorf(e, "CRC-32 mismatch (the data gives %08x, the zip directory says %08x): the archive is damaged: %w", sum, e.f.CRC32, zip.ErrChecksum)
	}
	return data, nil
}

// damaged rewrites archive/zip's errors for a damaged entry.
func (a *archive) damaged(err error) error {
	if errors.Is(err, zip.ErrChecksum) {
		return fmt.Errorf("CRC-32 mismatch: the archive is damaged: %w", err)
	}
	return err
}

type crcReader struct {
	r io.Reader
	h hash.Hash32
}

func (c *crcReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.h.Write(b[:n])
	return n, err
}

// checkLocalName checks that the entry's local file header names it as
// the zip directory does, as Python's zipfile (and so numpy.load) does;
// archive/zip reads only the directory's name. The local header is found
// back from the data's offset: its name and extra field lengths must
// agree with where the data starts.
func (a *archive) checkLocalName(e entry) error {
	const headerLen, maxExtra = 30, 0xffff
	d, err := e.f.DataOffset()
	if err != nil {
		return fmt.Errorf("local file header: %v", err)
	}
	n := len(e.f.Name)
	le := binary.LittleEndian
	// Look first for an extra field of up to 1 KiB (the usual: none, or
	// zip64's 20 bytes, or a timestamp), then for any.
	for _, extra := range []int{1024, maxExtra} {
		lo := max(0, d-int64(headerLen+n+extra))
		w := int(d - lo)
		if cap(a.buf) < w {
			a.buf = make([]byte, w)
		}
		b := a.buf[:w]
		if _, err := a.file.ReadAt(b, lo); err != nil {
			return fmt.Errorf("local file header: %v", err)
		}
		for x := 0; x <= extra; x++ {
			h := w - headerLen - n - x
			if h < 0 {
				break
			}
			if le.Uint32(b[h:]) == 0x04034b50 && int(le.Uint16(b[h+26:])) == n && int(le.Uint16(b[h+28:])) == x {
				if local := b[h+headerLen : h+headerLen+n]; string(local) != e.f.Name {
					return fmt.Errorf("the local file header names it %q: the names must agree (the archive is damaged)", local)
				}
				return nil
			}
		}
		if lo == 0 {
			break
		}
	}
	return errors.New("no local file header agrees with the zip directory's name and data offset (the archive is damaged)")
}

// Names returns the sorted names of a set of arrays read with Read.
func Names(arrays map[string]Array) []string {
	names := make([]string, 0, len(arrays))
	for n := range arrays {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Float32 returns the array's values converted to float32 (always a copy).
func (a Array) Float32() ([]float32, error) {
	switch d := a.Data.(type) {
	case []float32:
		return append([]float32(nil), d...), nil
	case []float64:
		return convert[float64, float32](d), nil
	case []int32:
		return convert[int32, float32](d), nil
	case []int64:
		return convert[int64, float32](d), nil
	case []uint8:
		return convert[uint8, float32](d), nil
	}
	return nil, fmt.Errorf("npz: array %q holds %T, not numbers", a.Name, a.Data)
}

// Float64 returns the array's values converted to float64 (always a copy).
func (a Array) Float64() ([]float64, error) {
	switch d := a.Data.(type) {
	case []float32:
		return convert[float32, float64](d), nil
	case []float64:
		return append([]float64(nil), d...), nil
	case []int32:
		return convert[int32, float64](d), nil
	case []int64:
		return convert[int64, float64](d), nil
	case []uint8:
		return convert[uint8, float64](d), nil
	}
	return nil, fmt.Errorf("npz: array %q holds %T, not numbers", a.Name, a.Data)
}

type number interface {
	~float32 | ~float64 | ~int32 | ~int64 | ~uint8
}

func convert[S, D number](s []S) []D {
	d := make([]D, len(s))
	for i, v := range s {
		d[i] = D(v)
	}
	return d
}

// ReadNPYFile reads a single .npy file: ReadNPY's rules, and the file must
// end with the array's data. The file's size is checked against the
// header before the data is allocated.
func ReadNPYFile(path string) (Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return Array{}, fmt.Errorf("npz: %v", err)
	}
	defer f.Close()
	fail := func(err error) (Array, error) { return Array{}, fmt.Errorf("npz: %s: %v", path, err) }
	br := bufio.NewReaderSize(f, 1<<16)
	h, err := readHeader(br)
	if err != nil {
		return fail(err)
	}
	if err := checkLimit(h, DefaultMaxBytes); err != nil {
		return fail(err)
	}
	known := false
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		if want := h.prefix + h.dataBytes(); fi.Size() != want {
			return fail(fmt.Errorf("the file has %d bytes, but its .npy header declares %d (a %d-byte header and shape %v of %s): the sizes must agree", fi.Size(), want, h.prefix, h.shape, h.descr))
		}
		known = true
	}
	data, err := readData(br, h, known)
	if err != nil {
		return fail(err)
	}
	var b [1]byte
	if n, err := io.ReadFull(br, b[:]); n > 0 {
		return fail(errors.New("data after the array's end is not allowed: an .npy file ends with its data"))
	} else if err != io.EOF {
		return fail(err)
	}
	name := strings.TrimSuffix(filepath.Base(path), ".npy")
	return Array{Name: name, Shape: h.shape, Data: data}, nil
}

// WriteNPYFile writes a single .npy file atomically.
func WriteNPYFile(path string, a Array) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return WriteNPY(w, a.Shape, a.Data) })
}
