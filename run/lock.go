package run

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Lock holds a run directory for one process: Train, Resume and
// package-level users that write a run directory take it, so two dale
// processes never drive one directory at once. It is an advisory lock
// (flock) on the directory itself, so it writes no file, and the kernel
// drops it when the process ends, however it ends: a killed process never
// leaves a stale lock behind.
type Lock struct {
	f *os.File
}

// ErrLocked is wrapped by the error LockDir returns when another process
// holds the directory.
var ErrLocked = errors.New("run directory in use")

// LockDir takes the lock of the existing directory dir without waiting;
// role names dir in errors (a flag, say).
func LockDir(dir, role string) (*Lock, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", role, dir, err)
	}
	if err := flock(f); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s %s is in use by another dale process (it holds the directory's lock); wait for it or choose another directory: %w", role, dir, ErrLocked)
		}
		return nil, fmt.Errorf("%s %s: lock: %v", role, dir, err)
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock (nil-safe, idempotent).
func (l *Lock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	_ = unflock(l.f)
	l.f.Close()
	l.f = nil
}
