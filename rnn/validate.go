package rnn

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/dale-rnn/dale/npz"
)

// dtypeName returns the numpy-style name of an npz array's element type.
func dtypeName(data any) string {
	switch data.(type) {
	case []float32:
		return Float32
	case []float64:
		return Float64
	case []int32:
		return "int32"
	case []int64:
		return "int64"
	case []uint8:
		return "uint8"
	}
	return fmt.Sprintf("%T", data)
}

// elementIndex writes index i of an array of the given shape as "[i]" for
// a vector and "[row, col]" for a matrix.
func elementIndex(i int, shape []int) string {
	if len(shape) == 2 && shape[1] > 0 {
		return fmt.Sprintf("[%d, %d]", i/shape[1], i%shape[1])
	}
	return fmt.Sprintf("[%d]", i)
}

// firstNonFinite returns the index and value of the first NaN or ±Inf of
// v as the model's dtype holds it (f32: after rounding to float32, so that
// 1e300 in a float64 file counts as +Inf for a float32 model), or −1.
func firstNonFinite(v []float64, f32 bool) (int, float64) {
	for i, x := range v {
		if f32 {
			x = float64(float32(x))
		}
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return i, x
		}
	}
	return -1, 0
}

// firstNonFiniteData is firstNonFinite on an array's own float32 or
// float64 data (other types hold no NaN or Inf).
func firstNonFiniteData(data any) (int, float64) {
	switch d := data.(type) {
	case []float32:
		for i, x := range d {
			if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
				return i, f
			}
		}
	case []float64:
		return firstNonFinite(d, false)
	}
	return -1, 0
}

// valueText writes a value as its dtype holds it (f32: the shortest
// decimal that reads back as the same float32).
func valueText(x float64, f32 bool) string {
	if f32 {
		return strconv.FormatFloat(x, 'g', -1, 32)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// shapeText writes a shape as npz reports it.
func shapeText(shape []int) string { return fmt.Sprint(shape) }

// arrayNames lists array names for an error message, at most 12; a name
// that is not plain printable text (an archive's entry names are anyone's
// bytes: a newline would break the one-line error) is quoted.
func arrayNames(arrs map[string]npz.Array) string {
	names := npz.Names(arrs)
	more := ""
	if len(names) > 12 {
		names, more = names[:12], fmt.Sprintf(" and %d more", len(names)-12)
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n
		if n == "" || strings.ContainsFunc(n, func(r rune) bool { return !unicode.IsGraphic(r) || unicode.IsSpace(r) || r == ',' || r == '"' }) {
			out[i] = strconv.Quote(n)
		}
	}
	return strings.Join(out, ", ") + more
}
