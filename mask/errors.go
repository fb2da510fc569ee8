package mask

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dale-rnn/dale/config"
)

// ConfigError reports one invalid parameter: its nn4n name, the value given
// and what is allowed. Its message reads
// "mask: FIELD = VALUE is not allowed: ALLOWED". It is config.Error, the
// one error type of every dale config.
type ConfigError = config.Error

// invalid returns a ConfigError for field with the Go value v.
func invalid(field string, v any, allowed string, args ...any) error {
	return &ConfigError{Section: "mask", Field: field, Value: formatValue(v), Allowed: fmt.Sprintf(allowed, args...)}
}

// maxShown is how many characters of a value an error message shows.
const maxShown = 60

// shorten cuts s to maxShown characters.
func shorten(s string) string {
	if len(s) <= maxShown {
		return s
	}
	return s[:maxShown-3] + "..."
}

// formatValue formats the values mask parameters take the way JSON would
// show them, with a space after each comma.
func formatValue(v any) string {
	var b strings.Builder
	writeValue(&b, v)
	return shorten(b.String())
}

func writeValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case int:
		b.WriteString(strconv.Itoa(x))
	case uint64:
		b.WriteString(strconv.FormatUint(x, 10))
	case float64:
		b.WriteString(formatFloat(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		b.WriteString(strconv.Quote(x))
	case [3]int:
		writeList(b, x[:])
	case [2]int:
		writeList(b, x[:])
	case [4]bool:
		writeList(b, x[:])
	case []int:
		writeList(b, x)
	case []float64:
		writeList(b, x)
	case []bool:
		writeList(b, x)
	case [][]float64:
		writeList(b, x)
	case nil:
		b.WriteString("null")
	default:
		fmt.Fprintf(b, "%v", x)
	}
}

func writeList[T any](b *strings.Builder, xs []T) {
	b.WriteByte('[')
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		writeValue(b, any(x))
	}
	b.WriteByte(']')
}

// formatFloat prints a float the shortest way that reads back exactly.
func formatFloat(x float64) string {
	return strconv.FormatFloat(x, 'g', -1, 64)
}
