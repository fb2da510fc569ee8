//go:build !linux

package memlimit

// addressLimit: only Linux is read.
func addressLimit() (uint64, bool) { return 0, false }
