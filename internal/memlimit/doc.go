// Package memlimit tells how much memory this process may still allocate,
// so that dale can refuse a config that would not fit with an error
// instead of dying in the Go runtime's "fatal error: out of memory".
//
// [Available] takes the smallest of the limits it can read: the cgroup's
// memory limit less its usage (cgroup v2 memory.max − memory.current, or
// v1 memory.limit_in_bytes − memory.usage_in_bytes, with reclaimable page
// cache not counted as used, at every level up to the root of the
// hierarchy), the address-space limit (ulimit -v) less the process's
// virtual size, and the kernel's MemAvailable. [Check] compares an
// estimate with it and returns a one-line error of the form
//
//	rnn: dims = [1 46000 1] is not allowed: it would need about 15.8 GiB, and 2.9 GiB is available (cgroup memory.max)
//
// Only Linux has these limits; elsewhere Available reports [Unknown].
package memlimit
