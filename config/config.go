package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// Error reports one value that a config does not allow: the section that
// found it ("mask", "rnn", "train", ...; "" for none), the field (a JSON
// path such as "curriculum[1].threshold"), the value given, as text, and
// what is allowed. Its message reads "SECTION: FIELD = VALUE is not
// allowed: ALLOWED".
type Error struct {
	Section string
	Field   string
	Value   string
	Allowed string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s = %s is not allowed: %s", e.Field, e.Value, e.Allowed)
	if e.Section != "" {
		return e.Section + ": " + s
	}
	return s
}

// Invalid returns an *Error; value is formatted with %v (strings quoted),
// allowed with args.
func Invalid(section, field string, value any, allowed string, args ...any) *Error {
	v := fmt.Sprint(value)
	if s, ok := value.(string); ok {
		v = strconv.Quote(s)
	}
	if len(args) > 0 {
		allowed = fmt.Sprintf(allowed, args...)
	}
	return &Error{Section: section, Field: field, Value: v, Allowed: allowed}
}

// Errorf formats a message of the form "[SECTION: ]FIELD = VALUE is not
// allowed: ALLOWED" and returns it as an *Error with its parts; a message
// of another form is returned as a plain error. It lets code keep its
// messages as format strings and still return typed errors.
func Errorf(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if e := parse(msg); e != nil {
		return e
	}
	return errors.New(msg)
}

func parse(msg string) *Error {
	eq := strings.Index(msg, " = ")
	na := strings.Index(msg, " is not allowed: ")
	if eq < 0 || na < eq {
		return nil
	}
	head, value, allowed := msg[:eq], msg[eq+3:na], msg[na+len(" is not allowed: "):]
	section := ""
	if i := strings.LastIndex(head, ": "); i >= 0 {
		section, head = head[:i], head[i+2:]
	}
	if head == "" || strings.ContainsAny(head, " \t\n") {
		return nil
	}
	return &Error{Section: section, Field: head, Value: value, Allowed: allowed}
}

// Within returns err with prefix joined before the field of the *Error it
// holds ("optimizer" + "lr" → "optimizer.lr"); section, when not "",
// replaces the error's section. Other errors come back as they are.
func Within(section, prefix string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	if prefix != "" {
		if strings.HasPrefix(c.Field, "[") {
			c.Field = prefix + c.Field
		} else {
			c.Field = prefix + "." + c.Field
		}
	}
	if section != "" {
		c.Section = section
	}
	return &c
}

// Wrap says that err happened in section: an *Error gets section before
// its own (once: "tasks" + "pdm" → "tasks: pdm"); another error is wrapped
// as "section: err" unless its message starts so already. nil stays nil.
func Wrap(section string, err error) error {
	if err == nil || section == "" {
		return err
	}
	var e *Error
	if errors.As(err, &e) && e.Error() == err.Error() {
		c := *e
		switch {
		case c.Section == "":
			c.Section = section
		case c.Section == section || strings.HasPrefix(c.Section, section+": "):
		default:
			c.Section = section + ": " + c.Section
		}
		return &c
	}
	if strings.HasPrefix(err.Error(), section+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", section, err)
}

// CheckJSON reports whether data is exactly one JSON value in which no
// object holds a key twice (encoding/json keeps the last one silently,
// so a config with "task" twice would train the second). The error names
// the key by its path ("train.steps"). Nesting deeper than MaxDepth is an
// error.
func CheckJSON(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := walk(d, "", 0); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return fmt.Errorf("unexpected data after the JSON value (byte %d)", d.InputOffset())
	}
	return nil
}

func malformed(d *json.Decoder, err error) error {
	if err == io.EOF {
		return fmt.Errorf("malformed JSON at byte %d: unexpected EOF (the JSON ends early)", d.InputOffset())
	}
	return fmt.Errorf("malformed JSON at byte %d: %v", d.InputOffset(), err)
}

// MaxDepth is the deepest nesting of arrays and objects CheckJSON accepts
// (encoding/json's own limit).
const MaxDepth = 10000

func walk(d *json.Decoder, path string, depth int) error {
	tok, err := d.Token()
	if err == io.EOF && depth == 0 {
		return errors.New("no JSON value")
	}
	if err != nil {
		return malformed(d, err)
	}
	dl, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if depth >= MaxDepth {
		return fmt.Errorf("JSON nested deeper than %d levels at byte %d", MaxDepth, d.InputOffset())
	}
	switch dl {
	case '{':
		keys := map[string]bool{}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return malformed(d, err)
			}
			k, _ := kt.(string)
			p := k
			if path != "" {
				p = path + "." + k
			}
			if keys[k] {
				return fmt.Errorf("key %q appears twice (JSON readers disagree on which one counts)", p)
			}
			keys[k] = true
			if err := walk(d, p, depth+1); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; d.More(); i++ {
			if err := walk(d, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
	}
	if _, err := d.Token(); err != nil { // the closing delimiter
		return malformed(d, err)
	}
	return nil
}

// Decode reads data into v strictly: CheckJSON, then encoding/json with
// unknown keys as errors.
func Decode(data []byte, v any) error {
	if err := CheckJSON(data); err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

// RejectDefaultZeros enforces that a JSON key given is never replaced by a
// default: for each key of the object data whose value is the number 0 (or
// "" or null) and that names a field of the struct defaults (by its json
// tag) holding a nonzero value — the default the Go side would put in
// place of 0 — it returns an *Error naming section and the field, saying
// to leave the key out for that default. defaults is a struct (or a
// pointer to one) with every default filled in.
func RejectDefaultZeros(section string, data []byte, defaults any) error {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || m == nil {
		return nil // not an object: the decoder reports it
	}
	v := reflect.ValueOf(defaults)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if key == "" || key == "-" || !f.IsExported() {
			continue
		}
		raw, ok := m[key]
		if !ok || !zeroJSON(raw) {
			continue
		}
		def := v.Field(i)
		if def.IsZero() {
			continue
		}
		switch def.Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64, reflect.Uint32, reflect.Uint, reflect.Float64, reflect.Float32, reflect.String:
		default:
			continue
		}
		return &Error{Section: section, Field: key, Value: string(bytes.TrimSpace(raw)),
			Allowed: fmt.Sprintf("leave %s out for the default (%s) or give another value", key, show(def))}
	}
	return nil
}

func show(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Float64, reflect.Float32:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.String:
		return strconv.Quote(v.String())
	}
	return fmt.Sprint(v.Interface())
}

func zeroJSON(raw json.RawMessage) bool {
	s := string(bytes.TrimSpace(raw))
	if s == `""` || s == "null" {
		return true
	}
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f == 0 && !math.IsNaN(f)
}

// ExactKeys checks that every key of the JSON data names a field of v's
// type exactly as its json tag spells it. encoding/json matches keys to
// fields without regard to case, so {"Steps": 5} would set steps and
// {"steps": 5, "STEPS": 6} would keep 6 although CheckJSON saw two keys;
// a config is spelled one way. It walks nested structs, slices, arrays,
// maps and pointers; a type that decodes itself (json.Unmarshaler, such as
// json.RawMessage) is left to its own decoder. v is a value or a pointer
// of the type data decodes into.
func ExactKeys(data []byte, v any) error {
	var x any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		return nil // the decoder reports it
	}
	return exactKeys(x, reflect.TypeOf(v), "")
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func exactKeys(x any, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := x.(map[string]any)
		if !ok {
			return nil
		}
		fields := map[string]reflect.Type{}
		collectFields(t, fields)
		for k, val := range obj {
			ft, ok := fields[k]
			p := k
			if path != "" {
				p = path + "." + k
			}
			if !ok {
				for name := range fields {
					if strings.EqualFold(name, k) {
						return &Error{Field: p, Value: "(a key)", Allowed: fmt.Sprintf("keys are spelled exactly; did you mean %q?", name)}
					}
				}
				continue // unknown: the decoder reports it
			}
			if err := exactKeys(val, ft, p); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		list, ok := x.([]any)
		if !ok {
			return nil
		}
		for i, val := range list {
			if err := exactKeys(val, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := x.(map[string]any)
		if !ok {
			return nil
		}
		for k, val := range obj {
			if err := exactKeys(val, t.Elem(), path+"."+k); err != nil {
				return err
			}
		}
	}
	return nil
}

// collectFields maps the JSON names of t's fields (embedded structs'
// included) to their types.
func collectFields(t reflect.Type, into map[string]reflect.Type) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collectFields(ft, into)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		into[name] = f.Type
	}
}
