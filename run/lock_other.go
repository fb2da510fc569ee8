//go:build !unix

package run

import "os"

// Without flock the lock is only within this process's own discipline.
func flock(*os.File) error   { return nil }
func unflock(*os.File) error { return nil }
