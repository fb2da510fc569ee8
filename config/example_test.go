package config_test

import (
	"errors"
	"fmt"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/train"
)

// Every config section fails the same way: errors.As finds the field, the
// value and what is allowed.
func Example() {
	_, err := train.DecodeOptions([]byte(`{"steps": 100, "batch_size": 0}`))
	var ce *config.Error
	if errors.As(err, &ce) {
		fmt.Printf("%s | %s | %s\n", ce.Field, ce.Value, ce.Allowed)
	}
	fmt.Println(config.CheckJSON([]byte(`{"seed": 1, "seed": 2}`)))
	// Output:
	// batch_size | 0 | leave batch_size out for the default (64) or give another value
	// key "seed" appears twice (JSON readers disagree on which one counts)
}
