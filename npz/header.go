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

// The .npy format, as numpy.lib.format reads it (numpy 1.24):
//
//	\x93NUMPY, major, minor (1.0, 2.0 or 3.0)
//	header length: 2 bytes little-endian (1.0) or 4 bytes (2.0, 3.0)
//	header: a Python dict literal with exactly the keys 'descr',
//	'fortran_order' and 'shape' (latin-1 in 1.0 and 2.0, UTF-8 in 3.0),
//	usually padded with spaces and a newline to a multiple of 64 bytes
//	the data, nothing after it
//
// parseHeader accepts the dict literals numpy accepts, in the plain form
// numpy and the other writers produce, with the checks numpy makes. Where
// numpy's literal_eval would accept more, it refuses rather than guess:
//
//   - a key given twice (numpy keeps the last one, silently);
//   - Python syntax no .npy writer produces: comments, backslash line
//     continuations, string prefixes (u'', b'', r''), escapes, triple
//     quotes, adjacent strings, parenthesised values, ints written with
//     a sign, underscores or in hex/octal/binary, and '\r', '\f' or any
//     other byte but printable ASCII, space, tab and newline;
//   - the Python 2 long suffix other than directly after the digits
//     ((3L,) is accepted in versions 1.0 and 2.0, as numpy does; (3 L,)
//     is not);
//   - element types the package does not hold (see parseDescr);
//   - an empty int8 array whose nonzero dimensions multiply past 2^61
//     (read as int32, it could not be written again).
//
// Alignment and the final newline are not required (numpy's reader
// requires neither).

var magic = []byte("\x93NUMPY")

// maxHeader is numpy's limit on the header length (max_header_size, in
// characters; the headers accepted here are ASCII, so bytes).
const maxHeader = 10000

// maxDims is numpy's limit on the number of dimensions (NPY_MAXDIMS).
const maxDims = 32

// elemType is an element type of an .npy file that the package reads.
type elemType struct {
	kind  byte // 'f', 'i', 'u' or 'b'
	size  int  // bytes per element in the file
	order binary.ByteOrder
}

// memSize is the bytes per element once read: int8 becomes int32.
func (e elemType) memSize() int {
	if e.kind == 'i' && e.size == 1 {
		return 4
	}
	return e.size
}

// header is a parsed .npy header.
type header struct {
	descr   string
	elem    elemType
	fortran bool
	shape   []int
	elems   int64 // product of shape
	prefix  int64 // bytes before the data: magic, version, length, header
}

func (h header) dataBytes() int64 { return h.elems * int64(h.elem.size) }

// memBytes is the memory the array takes once read (saturating at
// MaxInt64, which no limit reaches).
func (h header) memBytes() int64 {
	m := int64(h.elem.memSize())
	if h.elems > math.MaxInt64/m {
		return math.MaxInt64
	}
	return h.elems * m
}

func (h header) same(o header) bool {
	if h.descr != o.descr || h.fortran != o.fortran || h.prefix != o.prefix || len(h.shape) != len(o.shape) {
		return false
	}
	for i := range h.shape {
		if h.shape[i] != o.shape[i] {
			return false
		}
	}
	return true
}

const supportedDescrs = "<f4, <f8, <i4, <i8, |u1, |b1 or |i1 (also with >, = or no byte order)"

// parseDescr returns the element type of a descr string: an optional
// byte order (<, >, = or |; = and | mean this machine's, as for numpy)
// and one of f4, f8, i1, i4, i8, u1, b1.
func parseDescr(s string) (elemType, error) {
	e := elemType{order: binary.NativeEndian}
	body := s
	if len(s) == 3 {
		switch s[0] {
		case '<':
			e.order = binary.LittleEndian
		case '>':
			e.order = binary.BigEndian
		case '=', '|':
		default:
			body = ""
		}
		body = body[min(len(body), 1):]
	}
	switch body {
	case "f4", "f8", "i1", "i4", "i8", "u1", "b1":
		e.kind, e.size = body[0], int(body[1]-'0')
		return e, nil
	}
	return elemType{}, fmt.Errorf("descr = %q is not allowed: this package reads %s", s, supportedDescrs)
}

// elemCount returns the number of elements of shape with numpy's checks:
// no negative dimension, at most maxDims of them, and the product of the
// nonzero ones times itemsize within int64.
func elemCount(shape []int, itemsize int) (int64, error) {
	if len(shape) > maxDims {
		return 0, fmt.Errorf("shape has %d dimensions, which is not allowed: at most %d (numpy's limit)", len(shape), maxDims)
	}
	nbytes, zero := int64(itemsize), false
	for _, d := range shape {
		switch {
		case d < 0:
			return 0, fmt.Errorf("shape = %v is not allowed: dimensions must be non-negative", shape)
		case d == 0:
			zero = true
		case nbytes > math.MaxInt64/int64(d):
			return 0, fmt.Errorf("shape = %v is not allowed: its %d-byte elements would take more than 2^63-1 bytes", shape, itemsize)
		default:
			nbytes *= int64(d)
		}
	}
	if zero {
		return 0, nil
	}
	return nbytes / int64(itemsize), nil
}

// readHeader reads the magic string, version, header length and header of
// an .npy stream and parses the header. It reads nothing past the header
// and allocates at most maxHeader bytes.
func readHeader(r io.Reader) (header, error) {
	var pre [8]byte
	if n, err := io.ReadFull(r, pre[:]); err != nil {
		if n == 0 {
			return header{}, errors.New("not an .npy stream: it is empty")
		}
		return header{}, fmt.Errorf("not an .npy stream: it ends after %d bytes", n)
	}
	if !bytes.Equal(pre[:6], magic) {
		return header{}, fmt.Errorf("not an .npy stream: magic = %q is not allowed: want %q", pre[:6], magic)
	}
	major, minor := pre[6], pre[7]
	lenBytes := 4
	switch {
	case major == 1 && minor == 0:
		lenBytes = 2
	case (major == 2 || major == 3) && minor == 0:
	default:
		return header{}, fmt.Errorf(".npy version = %d.%d is not allowed: want 1.0, 2.0 or 3.0", major, minor)
	}
	var lb [4]byte
	if _, err := io.ReadFull(r, lb[:lenBytes]); err != nil {
		return header{}, errors.New("truncated .npy header: the stream ends in the header length")
	}
	hlen := int64(binary.LittleEndian.Uint32(lb[:]))
	if hlen > maxHeader {
		return header{}, fmt.Errorf(".npy header length = %d is not allowed: at most %d bytes (numpy's limit)", hlen, maxHeader)
	}
	hb := make([]byte, hlen)
	if n, err := io.ReadFull(r, hb); err != nil {
		return header{}, fmt.Errorf("truncated .npy header: the stream ends after %d of its %d bytes", n, hlen)
	}
	h, err := parseHeader(hb, major)
	if err != nil {
		return header{}, err
	}
	h.prefix = 8 + int64(lenBytes) + hlen
	return h, nil
}

// parseHeader parses the dict literal of an .npy header of the given
// major version (the Python 2 suffix L is allowed in 1 and 2).
func parseHeader(h []byte, major byte) (header, error) {
	p := hparser{h: h, longOK: major < 3}
	for i, c := range h {
		if (c < ' ' || c > '~') && c != '\t' && c != '\n' {
			return header{}, fmt.Errorf(".npy header byte 0x%02x at offset %d is not allowed: a header holds printable ASCII, spaces, tabs and newlines", c, i)
		}
	}
	var out header
	var seen [3]bool
	keys := [3]string{"descr", "fortran_order", "shape"}
	p.ws()
	if !p.eat('{') {
		return header{}, p.syntax("want '{': the header is a dict literal")
	}
	for {
		p.ws()
		if p.eat('}') {
			break
		}
		key, ok := p.str()
		if !ok {
			return header{}, p.syntax("want a quoted key or '}'")
		}
		k := -1
		for i, name := range keys {
			if key == name {
				k = i
			}
		}
		if k < 0 {
			return header{}, fmt.Errorf(".npy header key %q is not allowed: the keys are 'descr', 'fortran_order' and 'shape'", key)
		}
		if seen[k] {
			return header{}, fmt.Errorf(".npy header key '%s' appears twice, which is not allowed: each key appears once (numpy would use the last one; this package refuses the header)", key)
		}
		seen[k] = true
		p.ws()
		if !p.eat(':') {
			return header{}, p.syntax("want ':' after '" + key + "'")
		}
		p.ws()
		vpos := p.pos
		var err error
		switch key {
		case "descr":
			s, ok := p.str()
			if !ok || !p.valueEnds() {
				p.pos = vpos
				return header{}, fmt.Errorf(".npy header descr = %s is not allowed: want a quoted type such as '<f4'", p.valueText())
			}
			out.descr = s
			if out.elem, err = parseDescr(s); err != nil {
				return header{}, fmt.Errorf(".npy header %v", err)
			}
		case "fortran_order":
			switch p.ident() {
			case "True":
				out.fortran = true
			case "False":
			default:
				p.pos = vpos
				return header{}, fmt.Errorf(".npy header fortran_order = %s is not allowed: want True or False", p.valueText())
			}
			if !p.valueEnds() {
				p.pos = vpos
				return header{}, fmt.Errorf(".npy header fortran_order = %s is not allowed: want True or False", p.valueText())
			}
		case "shape":
			if out.shape, err = p.tuple(); err != nil {
				p.pos = vpos
				return header{}, fmt.Errorf(".npy header shape = %s is not allowed: %v", p.valueText(), err)
			}
		}
		p.ws()
		if p.eat(',') {
			continue
		}
		if p.eat('}') {
			break
		}
		return header{}, p.syntax("want ',' or '}' after the value of '" + key + "'")
	}
	p.ws()
	if p.pos != len(h) {
		return header{}, p.syntax("want only spaces and newlines after the closing '}'")
	}
	var missing []string
	for i, ok := range seen {
		if !ok {
			missing = append(missing, keys[i])
		}
	}
	if missing != nil {
		return header{}, fmt.Errorf(".npy header lacks %s: an .npy header has the keys 'descr', 'fortran_order' and 'shape'", strings.Join(missing, " and "))
	}
	// Counted in the larger of the file's and the memory's element size
	// (int8 becomes int32), so that what is read can be written again.
	var err error
	if out.elems, err = elemCount(out.shape, out.elem.memSize()); err != nil {
		return header{}, fmt.Errorf(".npy header %v", err)
	}
	return out, nil
}

type hparser struct {
	h      []byte
	pos    int
	longOK bool
}

func (p *hparser) ws() {
	for p.pos < len(p.h) && (p.h[p.pos] == ' ' || p.h[p.pos] == '\t' || p.h[p.pos] == '\n') {
		p.pos++
	}
}

func (p *hparser) eat(c byte) bool {
	if p.pos < len(p.h) && p.h[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

func (p *hparser) peek() byte {
	if p.pos < len(p.h) {
		return p.h[p.pos]
	}
	return 0
}

// str reads a '...' or "..." string without backslashes or newlines.
func (p *hparser) str() (string, bool) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", false
	}
	for i := p.pos + 1; i < len(p.h); i++ {
		switch p.h[i] {
		case q:
			s := string(p.h[p.pos+1 : i])
			p.pos = i + 1
			return s, true
		case '\\', '\n':
			return "", false
		}
	}
	return "", false
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ident reads a run of identifier characters.
func (p *hparser) ident() string {
	i := p.pos
	for p.pos < len(p.h) && isIdent(p.h[p.pos]) {
		p.pos++
	}
	return string(p.h[i:p.pos])
}

// valueEnds reports whether what follows (after spaces) ends a dict value.
func (p *hparser) valueEnds() bool {
	save := p.pos
	p.ws()
	c := p.peek()
	p.pos = save
	return c == ',' || c == '}'
}

// tuple reads a tuple of non-negative decimal ints: (), (3,), (2, 3) or
// (2, 3,).
func (p *hparser) tuple() ([]int, error) {
	const want = "want a tuple of non-negative integers such as (2, 3), (3,) or ()"
	if !p.eat('(') {
		return nil, errors.New(want)
	}
	shape := []int{}
	comma := false
	for {
		p.ws()
		if p.eat(')') {
			break
		}
		if len(shape) > 0 && !comma {
			return nil, errors.New(want)
		}
		c := p.peek()
		if c < '0' || c > '9' {
			if c == '-' {
				return nil, errors.New("dimensions must be non-negative")
			}
			return nil, errors.New(want)
		}
		start := p.pos
		for p.pos < len(p.h) && p.h[p.pos] >= '0' && p.h[p.pos] <= '9' {
			p.pos++
		}
		digits := string(p.h[start:p.pos])
		if len(digits) > 1 && strings.Trim(digits, "0") != "" && digits[0] == '0' {
			return nil, errors.New(want + " (Python reads no leading zeros)")
		}
		if p.longOK && p.peek() == 'L' {
			p.pos++
		}
		if c := p.peek(); isIdent(c) || c == '.' {
			return nil, errors.New(want)
		}
		d, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || d > math.MaxInt {
			return nil, fmt.Errorf("dimension %s is too large: at most %d", digits, int64(math.MaxInt))
		}
		if len(shape) == maxDims {
			return nil, fmt.Errorf("at most %d dimensions (numpy's limit)", maxDims)
		}
		shape = append(shape, int(d))
		p.ws()
		comma = p.eat(',')
	}
	if len(shape) == 1 && !comma {
		return nil, errors.New(want + " (a 1-tuple needs its comma: (3) is the integer 3)")
	}
	if !p.valueEnds() {
		return nil, errors.New(want)
	}
	return shape, nil
}

// valueText returns the text from the current position to the end of the
// value (the next ',' or '}' outside brackets and quotes), for messages.
func (p *hparser) valueText() string {
	depth, quote := 0, byte(0)
	end := p.pos
loop:
	for ; end < len(p.h); end++ {
		c := p.h[end]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			if depth == 0 {
				break loop
			}
			depth--
		case c == ',' && depth == 0:
			break loop
		}
	}
	s := strings.TrimSpace(string(p.h[p.pos:end]))
	s = strings.NewReplacer("\n", `\n`, "\t", `\t`).Replace(s)
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	if s == "" {
		return "(nothing)"
	}
	return s
}

func (p *hparser) syntax(what string) error {
	h := strings.TrimRight(string(p.h), " \n")
	if len(h) > 120 {
		h = h[:120] + "..."
	}
	return fmt.Errorf("malformed .npy header at byte %d (%s): %q", p.pos, what, h)
}
