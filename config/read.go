package config

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge is wrapped by ReadLimited's error for a file over its limit.
var ErrTooLarge = errors.New("file too large")

// ReadLimited reads the file at path, reading no more than limit+1 bytes
// of it: a file larger than limit is an error wrapping ErrTooLarge, so a
// config file named by mistake (a checkpoint, a device) never fills
// memory.
func ReadLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MiB: %w", path, limit>>20, ErrTooLarge)
	}
	return data, nil
}
