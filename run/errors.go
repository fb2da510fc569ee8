package run

import (
	"fmt"

	"github.com/dale-rnn/dale/config"
)

// ConfigError reports one value that a run (its config, or an argument of
// this package) does not allow: the field (a JSON path such as
// "curriculum[1].threshold"), the value given, as text, and what is
// allowed. Its message reads "FIELD = VALUE is not allowed: ALLOWED".
// Errors of the sections' own packages (mask, rnn, tasks, train) come
// wrapped with the section's name.
//
// It is config.Error (Section ""), the one error type of every dale config.
type ConfigError = config.Error

// invalid returns a *ConfigError; value is formatted with %v, allowed
// with args.
func invalid(field string, value any, allowed string, args ...any) error {
	return &ConfigError{Field: field, Value: fmt.Sprint(value), Allowed: fmt.Sprintf(allowed, args...)}
}
