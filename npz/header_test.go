package npz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/internal/numpytest"
)

// npyBytes assembles an .npy stream: magic, version major.minor, the
// header length (2 bytes for 1.x, else 4), the header and dlen zero bytes
// of data.
func npyBytes(major, minor byte, header string, dlen int) []byte {
	b := append([]byte("\x93NUMPY"), major, minor)
	if major == 1 {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(header)))
	} else {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(header)))
	}
	b = append(b, header...)
	return append(b, make([]byte, dlen)...)
}

// std is the header numpy writes for a float32 array of shape (2,), less
// its padding.
const std = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"

func withShape(s string) string { return strings.Replace(std, "(2,)", s, 1) }
func withDescr(s string) string { return strings.Replace(std, "'<f4'", s, 1) }
func withFortran(s string) string {
	return strings.Replace(std, "False", s, 1)
}

type headerCase struct {
	name     string
	major    byte // with minor, the version when verSet, else 1.0
	minor    byte
	verSet   bool
	header   string
	dlen     int    // bytes of data after the header
	refuse   string // "" when ReadNPY accepts, else a part of its error
	numpy    bool   // whether numpy 1.24's read_array accepts it
	shape    []int  // for the accepted
	elemSize int    // for the accepted: the element size in the file
}

// headerCases lists headers with the decisions of ReadNPY and of numpy
// 1.24 (checked by TestHeadersAgreeWithNumpy). Where numpy accepts and
// ReadNPY refuses, the refusal is deliberate (see header.go); the other
// way round never happens.
func headerCases() []headerCase {
	ok := func(name, h string, dlen int, shape []int, size int) headerCase {
		return headerCase{name: name, header: h, dlen: dlen, numpy: true, shape: shape, elemSize: size}
	}
	no := func(name, h string, dlen int, refuse string) headerCase {
		return headerCase{name: name, header: h, dlen: dlen, refuse: refuse}
	}
	// numpy accepts, this package refuses
	stricter := func(name, h string, dlen int, refuse string) headerCase {
		return headerCase{name: name, header: h, dlen: dlen, refuse: refuse, numpy: true}
	}
	ver := func(c headerCase, major, minor byte) headerCase {
		c.major, c.minor, c.verSet = major, minor, true
		return c
	}
	many := func(n int) string { return "(" + strings.Repeat("1,", n) + ")" }
	return []headerCase{
		ok("numpy's own", std+strings.Repeat(" ", 4)+"\n", 8, []int{2}, 4),
		ok("no padding, no newline", std, 8, []int{2}, 4),
		ok("no trailing comma", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", 8, []int{2}, 4),
		ok("double quotes", strings.ReplaceAll(std, "'", `"`), 8, []int{2}, 4),
		ok("keys reordered", "{'shape': (2,), 'descr': '<f4', 'fortran_order': False}", 8, []int{2}, 4),
		ok("leading spaces, tab and newline", " \t\n"+std, 8, []int{2}, 4),
		ok("tabs and newlines inside", "{\n'descr'\t:\t'<f4',\n 'fortran_order': False,\n'shape': (2,\n)\n}\n\n", 8, []int{2}, 4),
		ok("2-d, trailing comma", withShape("(2, 3,)"), 24, []int{2, 3}, 4),
		ok("scalar", withShape("()"), 4, []int{}, 4),
		ok("scalar with space", withShape("( )"), 4, []int{}, 4),
		ok("empty", withShape("(0,)"), 0, []int{0}, 4),
		ok("zero written 00", withShape("(00,)"), 0, []int{0}, 4),
		ok("empty with a huge dimension", withShape("(0, 2305843009213693951)"), 0, []int{0, 2305843009213693951}, 4),
		ok("empty with the largest dimension", strings.Replace(withShape("(0, 9223372036854775807)"), "<f4", "|u1", 1), 0, []int{0, 9223372036854775807}, 1),
		ok("32 dimensions", withShape(many(32)), 4, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 4),
		ok("Python 2 long, 1.0", withShape("(2L,)"), 8, []int{2}, 4),
		ver(ok("Python 2 longs, 2.0", withShape("(1L, 2L)"), 8, []int{1, 2}, 4), 2, 0),
		ok("fortran_order True", withFortran("True"), 8, []int{2}, 4),
		ver(ok("version 2.0", std+"\n", 8, []int{2}, 4), 2, 0),
		ver(ok("version 3.0", std+"\n", 8, []int{2}, 4), 3, 0),
		ok("<f8", withDescr("'<f8'"), 16, []int{2}, 8),
		ok(">f4", withDescr("'>f4'"), 8, []int{2}, 4),
		ok("=f4", withDescr("'=f4'"), 8, []int{2}, 4),
		ok("|f4", withDescr("'|f4'"), 8, []int{2}, 4),
		ok("f4", withDescr("'f4'"), 8, []int{2}, 4),
		ok("<i4", withDescr("'<i4'"), 8, []int{2}, 4),
		ok(">i8", withDescr("'>i8'"), 16, []int{2}, 8),
		ok("|u1", withDescr("'|u1'"), 2, []int{2}, 1),
		ok("<u1", withDescr("'<u1'"), 2, []int{2}, 1),
		ok("|b1", withDescr("'|b1'"), 2, []int{2}, 1),
		ok("b1", withDescr("'b1'"), 2, []int{2}, 1),
		ok("|i1", withDescr("'|i1'"), 2, []int{2}, 1),
		ok("header of 10000 bytes", std+strings.Repeat(" ", 10000-len(std)-1)+"\n", 8, []int{2}, 4),

		no("missing key", "{'descr': '<f4', 'shape': (2,)}", 8, "lacks fortran_order"),
		no("extra key", "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8, `key "x" is not allowed`),
		no("empty dict", "{}", 8, "lacks descr and fortran_order and shape"),
		no("not a dict", "['descr', 'fortran_order', 'shape']", 8, "want '{'"),
		no("unquoted key", strings.Replace(std, "'descr'", "descr", 1), 8, "want a quoted key"),
		no("bytes key", strings.Replace(std, "'descr'", "b'descr'", 1), 8, "want a quoted key"),
		no("missing comma", "{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}", 8, "descr = '<f4' 'fortran_order': False is not allowed"),
		no("two commas", "{'descr': '<f4',, 'fortran_order': False, 'shape': (2,)}", 8, "want a quoted key"),
		no("two commas at the end", strings.Replace(std, ", }", ",, }", 1), 8, "want a quoted key"),
		no("garbage after", std+" x\n", 8, "after the closing '}'"),
		no("two closing braces", std+"}\n", 8, "after the closing '}'"),
		no("empty header", "", 8, "want '{'"),
		no("spaces only", "   \n", 8, "want '{'"),
		no("mixed quotes", strings.Replace(std, "'<f4'", `"<f4'`, 1), 8, "descr = "),
		no("shape an int", withShape("(2)"), 8, "a 1-tuple needs its comma"),
		no("shape a list", withShape("[2]"), 8, "shape = [2] is not allowed"),
		no("shape (2,,)", withShape("(2,,)"), 8, "shape = (2,,) is not allowed"),
		no("shape float", withShape("(2.0,)"), 8, "shape = (2.0,) is not allowed"),
		no("shape string", withShape("('2',)"), 8, "shape = ('2',) is not allowed"),
		no("shape nested", withShape("((2,),)"), 8, "shape = ((2,),) is not allowed"),
		no("shape without parentheses", withShape("2,"), 8, "shape = 2 is not allowed"),
		no("negative dimension", withShape("(-1,)"), 8, "dimensions must be non-negative"),
		no("bool dimension", withShape("(True, 2)"), 8, "shape = (True, 2) is not allowed"),
		no("leading zero", withShape("(02,)"), 8, "no leading zeros"),
		no("dimension beyond int64", withShape("(99999999999999999999999,)"), 8, "too large"),
		no("nonzero product too large", withShape("(0, 2305843009213693952)"), 0, "more than 2^63-1 bytes"),
		no("dimension 2^63", strings.Replace(withShape("(0, 9223372036854775808)"), "<f4", "|u1", 1), 0, "too large"),
		no("33 dimensions", withShape(many(33)), 4, "at most 32"),
		no("fortran_order 0", withFortran("0"), 8, "fortran_order = 0 is not allowed"),
		no("fortran_order None", withFortran("None"), 8, "fortran_order = None is not allowed"),
		no("fortran_order Falsey", withFortran("Falsey"), 8, "fortran_order = Falsey is not allowed"),
		no("fortran_order a string", withFortran("'False'"), 8, "fortran_order = 'False' is not allowed"),
		no("descr <F4", withDescr("'<F4'"), 8, `descr = "<F4" is not allowed`),
		no("descr with a space", withDescr("' <f4'"), 8, `descr = " <f4" is not allowed`),
		no("descr empty", withDescr("''"), 8, `descr = "" is not allowed`),
		no("vertical tab", std+"\v\n", 8, "byte 0x0b"),
		no("NUL padding", std+"\x00", 8, "byte 0x00"),
		no("latin-1 no-break space", std+"\xa0", 8, "byte 0xa0"),
		ver(no("Python 2 long in 3.0", withShape("(2L,)"), 8, "shape = (2L,) is not allowed"), 3, 0),
		no("lower-case long", withShape("(2l,)"), 8, "shape = (2l,) is not allowed"),
		no("long then letters", withShape("(2Lx,)"), 8, "shape = (2Lx,) is not allowed"),
		no("long on the next line", withShape("(2\nL,)"), 8, `shape = (2\nL,) is not allowed`),
		ver(no("version 1.1", std, 8, "version = 1.1 is not allowed"), 1, 1),
		ver(no("version 4.0", std, 8, "version = 4.0 is not allowed"), 4, 0),
		ver(no("version 0.0", std, 8, "version = 0.0 is not allowed"), 0, 0),
		no("header of 10001 bytes", std+strings.Repeat(" ", 10001-len(std)-1)+"\n", 8, "header length = 10001 is not allowed"),
		ver(no("3.0 invalid UTF-8", std+"\xff", 8, "byte 0xff"), 3, 0),
		ver(no("3.0 non-ASCII padding", std+" \u00e9\n", 8, "byte 0xc3"), 3, 0),
		no("data too short", std, 7, "data ends after 7 bytes"),

		stricter("descr twice", "{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", 8, "key 'descr' appears twice"),
		stricter("shape twice", "{'descr': '<f4', 'shape': (1,), 'fortran_order': False, 'shape': (2,)}", 8, "key 'shape' appears twice"),
		stricter("comment", std+" # written by hand\n", 8, "after the closing '}'"),
		stricter("backslash continuation", strings.Replace(std, ", 'shape'", ", \\\n'shape'", 1), 8, "want a quoted key"),
		stricter("u prefix", withDescr("u'<f4'"), 8, "descr = u'<f4' is not allowed"),
		stricter("adjacent strings", withDescr("'<' 'f4'"), 8, "descr = '<' 'f4' is not allowed"),
		stricter("escape", withDescr(`'<f\x34'`), 8, `descr = '<f\x34' is not allowed`),
		stricter("triple quotes", withDescr("'''<f4'''"), 8, "descr = '''<f4''' is not allowed"),
		stricter("underscore in an int", withShape("(1_0,)"), 40, "shape = (1_0,) is not allowed"),
		stricter("hex int", withShape("(0x2,)"), 8, "shape = (0x2,) is not allowed"),
		stricter("minus zero", withShape("(-0,)"), 0, "dimensions must be non-negative"),
		stricter("plus sign", withShape("(+2,)"), 8, "shape = (+2,) is not allowed"),
		stricter("parenthesised value", withFortran("(False)"), 8, "fortran_order = (False) is not allowed"),
		stricter("long after a space", withShape("(2 L,)"), 8, "shape = (2 L,) is not allowed"),
		stricter("carriage return after", std+"\r\n", 8, "byte 0x0d"),
		stricter("carriage return inside", strings.Replace(std, ", 'shape'", ",\r'shape'", 1), 8, "byte 0x0d"),
		stricter("form feed", "\f"+std, 8, "byte 0x0c"),
		stricter("complex64", withDescr("'<c8'"), 16, `descr = "<c8" is not allowed`),
		stricter("uint32", withDescr("'<u4'"), 8, `descr = "<u4" is not allowed`),
		stricter("float16", withDescr("'<f2'"), 4, `descr = "<f2" is not allowed`),
		stricter("structured", withDescr("[('a', '<f4')]"), 8, "descr = [('a', '<f4')] is not allowed"),
	}
}

func (c headerCase) bytes() []byte {
	if !c.verSet {
		return npyBytes(1, 0, c.header, c.dlen)
	}
	return npyBytes(c.major, c.minor, c.header, c.dlen)
}

func TestHeaders(t *testing.T) {
	for _, c := range headerCases() {
		t.Run(c.name, func(t *testing.T) {
			shape, data, err := ReadNPY(bytes.NewReader(c.bytes()))
			if c.refuse != "" {
				if err == nil || !strings.Contains(err.Error(), c.refuse) {
					t.Fatalf("got %v, want an error containing %q", err, c.refuse)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Fatalf("error is not one line: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !reflect.DeepEqual(shape, c.shape) {
				t.Fatalf("shape %v, want %v", shape, c.shape)
			}
			n := 1
			for _, d := range shape {
				n *= d
			}
			if got := reflect.ValueOf(data).Len(); got != n {
				t.Fatalf("%d values, want %d", got, n)
			}
		})
	}
}

func TestHeaderDeliberateDifferencesAreRefusals(t *testing.T) {
	for _, c := range headerCases() {
		if c.refuse == "" && !c.numpy {
			t.Errorf("%s: listed as accepted here but refused by numpy", c.name)
		}
	}
}

// TestHeadersAgreeWithNumpy checks the numpy column of headerCases
// against numpy itself: numpy.lib.format.read_array on each stream (from
// memory, as numpy.load reads an .npz entry).
func TestHeadersAgreeWithNumpy(t *testing.T) {
	numpytest.Python(t)
	dir := t.TempDir()
	cases := headerCases()
	for i, c := range cases {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.npy", i)), c.bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := numpytest.Run(t, `
import io, os, sys, warnings, numpy as np
warnings.simplefilter("ignore")
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    try:
        a = np.lib.format.read_array(io.BytesIO(open(os.path.join(d, f), 'rb').read()))
        print(f[:3], "ACCEPT", a.dtype.itemsize, ",".join(str(x) for x in a.shape))
    except Exception as e:
        print(f[:3], "REJECT", type(e).__name__)
`, dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("numpy printed %d lines for %d cases:\n%s", len(lines), len(cases), out)
	}
	for i, c := range cases {
		f := strings.Fields(lines[i])
		if len(f) < 3 || f[0] != fmt.Sprintf("%03d", i) {
			t.Fatalf("line %d: %q", i, lines[i])
		}
		numpyAccepts := f[1] == "ACCEPT"
		if numpyAccepts != c.numpy {
			t.Errorf("%s: numpy %s (%s), the table says numpy accepts = %v", c.name, f[1], strings.Join(f[2:], " "), c.numpy)
			continue
		}
		if numpyAccepts && c.refuse == "" {
			var dims []string
			for _, d := range c.shape {
				dims = append(dims, fmt.Sprint(d))
			}
			shape := ""
			if len(f) > 3 {
				shape = f[3]
			}
			if f[2] != fmt.Sprint(c.elemSize) || shape != strings.Join(dims, ",") {
				t.Errorf("%s: numpy reads itemsize %s shape (%s), this package %d %v", c.name, f[2], shape, c.elemSize, c.shape)
			}
		}
	}
}
