//go:build linux

package memlimit

import "syscall"

// addressLimit returns RLIMIT_AS (ulimit -v) when it is finite.
func addressLimit() (uint64, bool) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &r); err != nil || r.Cur == ^uint64(0) {
		return 0, false
	}
	return r.Cur, true
}
