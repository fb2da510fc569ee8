package npz

import (
	"bytes"
	"encoding/binary"
	"errors"
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

var magic = []byte("\x93NUMPY")

// maxHeader bounds the header length we accept when reading.
const maxHeader = 1 << 20

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

// count returns the product of shape, or an error for negative or
// overflowing dimensions.
func count(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("npz: shape %v has a negative dimension", shape)
		}
		if d != 0 && n > math.MaxInt32*64/d {
			return 0, fmt.Errorf("npz: shape %v is too large", shape)
		}
		n *= d
	}
	return n, nil
}

// WriteNPY writes one array in .npy format (version 1.0, little-endian, C
// order).
func WriteNPY(w io.Writer, shape []int, data any) error {
	dt, n, err := dtypeOf(data)
	if err != nil {
		return err
	}
	want, err := count(shape)
	if err != nil {
		return err
	}
	if want != n {
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
	if len(header) > math.MaxUint16 {
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

// ReadNPY reads one array in .npy format (versions 1, 2 and 3).
func ReadNPY(r io.Reader) (shape []int, data any, err error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, nil, fmt.Errorf("npz: not an .npy stream: %v", err)
	}
	if !bytes.Equal(pre[:6], magic) {
		return nil, nil, errors.New("npz: not an .npy stream: bad magic bytes")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, nil, fmt.Errorf("npz: truncated .npy header: %v", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, nil, fmt.Errorf("npz: truncated .npy header: %v", err)
		}
		h := binary.LittleEndian.Uint32(b[:])
		if h > maxHeader {
			return nil, nil, fmt.Errorf("npz: .npy header of %d bytes is too long", h)
		}
		hlen = int(h)
	default:
		return nil, nil, fmt.Errorf("npz: .npy version %d.%d is not supported", pre[6], pre[7])
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return nil, nil, fmt.Errorf("npz: truncated .npy header: %v", err)
	}
	descr, fortran, shape, err := parseHeader(string(hb))
	if err != nil {
		return nil, nil, err
	}
	n, err := count(shape)
	if err != nil {
		return nil, nil, err
	}
	var size int
	var order binary.ByteOrder = binary.LittleEndian
	kind := descr
	if len(descr) == 3 {
		switch descr[0] {
		case '>':
			order = binary.BigEndian
			kind = descr[1:]
		case '<', '|', '=':
			kind = descr[1:]
		}
	}
	switch kind {
	case "f4", "i4", "u4":
		size = 4
	case "f8", "i8", "u8":
		size = 8
	case "u1", "i1", "b1":
		size = 1
	default:
		return nil, nil, fmt.Errorf("npz: element type %q is not supported: want float32, float64, int32, int64, uint8 or bool", descr)
	}
	// Read progressively so a lying header cannot make us allocate more
	// than the stream holds.
	raw, err := io.ReadAll(io.LimitReader(r, int64(n)*int64(size)))
	if err != nil {
		return nil, nil, fmt.Errorf("npz: reading .npy data: %v", err)
	}
	if len(raw) != n*size {
		return nil, nil, fmt.Errorf("npz: .npy data has %d bytes, shape %v of %s needs %d", len(raw), shape, descr, n*size)
	}
	switch kind {
	case "f4":
		d := make([]float32, n)
		for i := range d {
			d[i] = math.Float32frombits(order.Uint32(raw[4*i:]))
		}
		data = d
	case "f8":
		d := make([]float64, n)
		for i := range d {
			d[i] = math.Float64frombits(order.Uint64(raw[8*i:]))
		}
		data = d
	case "i4":
		d := make([]int32, n)
		for i := range d {
			d[i] = int32(order.Uint32(raw[4*i:]))
		}
		data = d
	case "u4", "u8":
		return nil, nil, fmt.Errorf("npz: element type %q (unsigned) is not supported: want float32, float64, int32, int64, uint8 or bool", descr)
	case "i8":
		d := make([]int64, n)
		for i := range d {
			d[i] = int64(order.Uint64(raw[8*i:]))
		}
		data = d
	case "u1", "b1":
		data = raw
	case "i1":
		d := make([]int32, n)
		for i, b := range raw {
			d[i] = int32(int8(b))
		}
		data = d
	}
	if fortran && len(shape) > 1 {
		data = fromFortran(shape, data)
	}
	return shape, data, nil
}

// parseHeader parses the Python dict literal of an .npy header.
func parseHeader(h string) (descr string, fortran bool, shape []int, err error) {
	bad := func(what string) error {
		return fmt.Errorf("npz: malformed .npy header (%s): %q", what, strings.TrimSpace(h))
	}
	field := func(key string) (string, bool) {
		i := strings.Index(h, "'"+key+"'")
		if i < 0 {
			return "", false
		}
		rest := strings.TrimLeft(h[i+len(key)+2:], " ")
		if !strings.HasPrefix(rest, ":") {
			return "", false
		}
		return strings.TrimLeft(rest[1:], " "), true
	}
	v, ok := field("descr")
	if !ok || len(v) < 2 || (v[0] != '\'' && v[0] != '"') {
		return "", false, nil, bad("descr")
	}
	end := strings.IndexByte(v[1:], v[0])
	if end < 0 {
		return "", false, nil, bad("descr")
	}
	descr = v[1 : 1+end]
	v, ok = field("fortran_order")
	switch {
	case ok && strings.HasPrefix(v, "True"):
		fortran = true
	case ok && strings.HasPrefix(v, "False"):
	default:
		return "", false, nil, bad("fortran_order")
	}
	v, ok = field("shape")
	if !ok || !strings.HasPrefix(v, "(") {
		return "", false, nil, bad("shape")
	}
	close := strings.IndexByte(v, ')')
	if close < 0 {
		return "", false, nil, bad("shape")
	}
	shape = []int{}
	for _, part := range strings.Split(v[1:close], ",") {
		part = strings.TrimSpace(part)
		part = strings.TrimSuffix(part, "L")
		if part == "" {
			continue
		}
		d, err := strconv.Atoi(part)
		if err != nil || d < 0 {
			return "", false, nil, bad("shape")
		}
		shape = append(shape, d)
	}
	return descr, fortran, shape, nil
}

// fromFortran reorders column-major data into row-major order.
func fromFortran(shape []int, data any) any {
	n := len(shape)
	// strides of the Fortran layout
	fs := make([]int, n)
	s := 1
	for i := 0; i < n; i++ {
		fs[i] = s
		s *= shape[i]
	}
	idx := make([]int, n)
	perm := make([]int, s)
	for c := 0; c < s; c++ { // c walks row-major order
		f := 0
		for i := 0; i < n; i++ {
			f += idx[i] * fs[i]
		}
		perm[c] = f
		for i := n - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < shape[i] {
				break
			}
			idx[i] = 0
		}
	}
	switch d := data.(type) {
	case []float32:
		return permute(d, perm)
	case []float64:
		return permute(d, perm)
	case []int32:
		return permute(d, perm)
	case []int64:
		return permute(d, perm)
	case []uint8:
		return permute(d, perm)
	}
	return data
}

func permute[T any](d []T, perm []int) []T {
	out := make([]T, len(d))
	for c, f := range perm {
		out[c] = d[f]
	}
	return out
}
