package npz

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Array is one named n-dimensional array. Data is one of []float32,
// []float64, []int32, []int64 or []uint8, in row-major (C) order, with
// len(Data) equal to the product of Shape (1 for a scalar, Shape empty).
type Array struct {
	Name  string
	Shape []int
	Data  any
}

type dtype struct {
	descr string
	size  int
}

func dtypeOf(data any) (dtype, int, error) {
	switch d := data.(type) {
	case []float32:
		return dtype{"<f4", 4}, len(d), nil
	case []float64:
		return dtype{"<f8", 8}, len(d), nil
	case []int32:
		return dtype{"<i4", 4}, len(d), nil
	case []int64:
		return dtype{"<i8", 8}, len(d), nil
	case []uint8:
		return dtype{"|u1", 1}, len(d), nil
	default:
		return dtype{}, 0, fmt.Errorf("npz: element type %T is not supported: use []float32, []float64, []int32, []int64 or []uint8", data)
	}
}

// WriteNPY writes one array in .npy format (version 1.0, little-endian, C
// order). The shape follows numpy's rules: at most 32 non-negative
// dimensions whose product holds len(data) values.
func WriteNPY(w io.Writer, shape []int, data any) error {
	dt, n, err := dtypeOf(data)
	if err != nil {
		return err
	}
	want, err := elemCount(shape, dt.size)
	if err != nil {
		return fmt.Errorf("npz: %v", err)
	}
	if want != int64(n) {
		return fmt.Errorf("npz: shape %v holds %d values but the data has %d", shape, want, n)
	}
	var sb strings.Builder
	sb.WriteString("{'descr': '")
	sb.WriteString(dt.descr)
	sb.WriteString("', 'fortran_order': False, 'shape': (")
	for i, d := range shape {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		sb.WriteString(",")
	}
	sb.WriteString("), }")
	// Pad so that magic(6)+version(2)+len(2)+header is a multiple of 64,
	// the header ending in a newline.
	hlen := sb.Len() + 1
	pad := (64 - (10+hlen)%64) % 64
	header := sb.String() + strings.Repeat(" ", pad) + "\n"
	if len(header) > maxHeader {
		return fmt.Errorf("npz: header of %d bytes is too long for shape %v", len(header), shape)
	}
	buf := make([]byte, 0, 10+len(header))
	buf = append(buf, magic...)
	buf = append(buf, 1, 0)
	buf = binary.LittleEndian.AppendUint16(buf, uint16(len(header)))
	buf = append(buf, header...)
	if _, err := w.Write(buf); err != nil {
		return err
	}
	return writeData(w, data)
}

func writeData(w io.Writer, data any) error {
	const chunk = 1 << 16
	var buf []byte
	switch d := data.(type) {
	case []uint8:
		_, err := w.Write(d)
		return err
	case []float32:
		for i := 0; i < len(d); i += chunk {
			buf = buf[:0]
			for _, v := range d[i:min(i+chunk, len(d))] {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	case []float64:
		for i := 0; i < len(d); i += chunk {
			buf = buf[:0]
			for _, v := range d[i:min(i+chunk, len(d))] {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	case []int32:
		for i := 0; i < len(d); i += chunk {
			buf = buf[:0]
			for _, v := range d[i:min(i+chunk, len(d))] {
				buf = binary.LittleEndian.AppendUint32(buf, uint32(v))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	case []int64:
		for i := 0; i < len(d); i += chunk {
			buf = buf[:0]
			for _, v := range d[i:min(i+chunk, len(d))] {
				buf = binary.LittleEndian.AppendUint64(buf, uint64(v))
			}
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReadNPY reads one array in .npy format (versions 1.0, 2.0 and 3.0) and
// stops at the array's last byte, so that arrays written one after the
// other can be read one by one; ReadNPYFile and Read also require that
// nothing follows.
//
// The header must be one numpy reads (see the package doc); int8 data
// becomes []int32 and bool data []uint8. An array of more than
// DefaultMaxBytes in memory is refused before its data is read, and the
// array grows by doubling (from 1 MiB) as the data arrives, so that a
// stream which declares a large array but ends early costs at most about
// three times what it held, not what it declared.
func ReadNPY(r io.Reader) (shape []int, data any, err error) {
	h, err := readHeader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("npz: %v", err)
	}
	if err := checkLimit(h, DefaultMaxBytes); err != nil {
		return nil, nil, fmt.Errorf("npz: %v", err)
	}
	data, err = readData(r, h, false)
	if err != nil {
		return nil, nil, fmt.Errorf("npz: %v", err)
	}
	return h.shape, data, nil
}

// checkLimit refuses an array that takes more than limit bytes in memory,
// or more than this platform can index.
func checkLimit(h header, limit int64) error {
	if m := h.memBytes(); m > limit {
		return fmt.Errorf("shape %v of %s needs %d bytes (%s) in memory, more than the limit of %d bytes (%s)", h.shape, h.descr, m, human(m), limit, human(limit))
	}
	if h.elems > int64(math.MaxInt/h.elem.memSize()) {
		return fmt.Errorf("shape %v of %s is too large for this platform", h.shape, h.descr)
	}
	return nil
}

// human writes a byte count in KiB, MiB or GiB.
func human(b int64) string {
	switch {
	case b >= 1<<30:
		return strconv.FormatFloat(float64(b)/(1<<30), 'f', 1, 64) + " GiB"
	case b >= 1<<20:
		return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB"
	case b >= 1<<10:
		return strconv.FormatFloat(float64(b)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(b, 10) + " B"
}

// chunkBytes is how much raw data readData converts at a time.
const chunkBytes = 1 << 16

// growStart is the memory readData starts with when the size is not
// known to be there.
const growStart = 1 << 20

// readData reads the data of h from r. With known, the caller has checked
// that the data is there (a file's size, a zip entry's) and the result is
// allocated at once; otherwise it grows as the data arrives.
func readData(r io.Reader, h header, known bool) (any, error) {
	n := int(h.elems)
	start := n
	if !known {
		start = min(n, growStart/h.elem.memSize())
	}
	o := h.elem.order
	var data any
	var err error
	switch [2]byte{h.elem.kind, byte(h.elem.size)} {
	case [2]byte{'f', 4}:
		data, err = readElems(r, h, n, start, func(d []float32, b []byte) {
			for i := range d {
				d[i] = math.Float32frombits(o.Uint32(b[4*i:]))
			}
		})
	case [2]byte{'f', 8}:
		data, err = readElems(r, h, n, start, func(d []float64, b []byte) {
			for i := range d {
				d[i] = math.Float64frombits(o.Uint64(b[8*i:]))
			}
		})
	case [2]byte{'i', 4}:
		data, err = readElems(r, h, n, start, func(d []int32, b []byte) {
			for i := range d {
				d[i] = int32(o.Uint32(b[4*i:]))
			}
		})
	case [2]byte{'i', 8}:
		data, err = readElems(r, h, n, start, func(d []int64, b []byte) {
			for i := range d {
				d[i] = int64(o.Uint64(b[8*i:]))
			}
		})
	case [2]byte{'i', 1}:
		data, err = readElems(r, h, n, start, func(d []int32, b []byte) {
			for i := range d {
				d[i] = int32(int8(b[i]))
			}
		})
	default: // u1, b1
		data, err = readElems(r, h, n, start, func(d []uint8, b []byte) { copy(d, b) })
	}
	if err != nil {
		return nil, err
	}
	if h.fortran && len(h.shape) > 1 {
		data = fromFortranAny(h.shape, data)
	}
	return data, nil
}

// readElems reads n elements of h.elem.size bytes each, converting them
// chunk by chunk; the result starts with room for start elements and
// doubles (up to n) as the data arrives.
func readElems[T any](r io.Reader, h header, n, start int, conv func([]T, []byte)) ([]T, error) {
	size := h.elem.size
	d := make([]T, 0, start)
	buf := make([]byte, min(chunkBytes, n*size))
	for len(d) < n {
		k := min(n-len(d), len(buf)/size)
		m, err := io.ReadFull(r, buf[:k*size])
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, fmt.Errorf(".npy data ends after %d bytes: shape %v of %s needs %d", int64(len(d))*int64(size)+int64(m), h.shape, h.descr, h.dataBytes())
			}
			return nil, fmt.Errorf("reading .npy data: %w", err)
		}
		if len(d)+k > cap(d) {
			nd := make([]T, len(d), min(n, max(len(d)+k, 2*cap(d))))
			copy(nd, d)
			d = nd
		}
		old := len(d)
		d = d[:old+k]
		conv(d[old:], buf[:k*size])
	}
	return d, nil
}

func fromFortranAny(shape []int, data any) any {
	switch d := data.(type) {
	case []float32:
		return fromFortran(shape, d)
	case []float64:
		return fromFortran(shape, d)
	case []int32:
		return fromFortran(shape, d)
	case []int64:
		return fromFortran(shape, d)
	case []uint8:
		return fromFortran(shape, d)
	}
	return data
}

// fromFortran reorders column-major data into row-major order (one copy).
func fromFortran[T any](shape []int, d []T) []T {
	out := make([]T, len(d))
	if len(d) == 0 {
		return out
	}
	n := len(shape)
	fs := make([]int, n) // strides of the Fortran layout
	s := 1
	for i := range n {
		fs[i] = s
		s *= shape[i]
	}
	idx := make([]int, n)
	f := 0
	for c := range out { // c walks row-major order, f the same element's Fortran offset
		out[c] = d[f]
		for i := n - 1; i >= 0; i-- {
			idx[i]++
			f += fs[i]
			if idx[i] < shape[i] {
				break
			}
			f -= idx[i] * fs[i]
			idx[i] = 0
		}
	}
	return out
}
