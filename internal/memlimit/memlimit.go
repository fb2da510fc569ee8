package memlimit

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/dale-rnn/dale/config"
)

// Unknown is what Available returns, with source "unknown", when no limit
// can be read (not Linux, or no file readable): a number larger than any
// allocation, so that Check lets everything through.
const Unknown int64 = 1 << 62

// The sources Available names.
const (
	SourceCgroupV2  = "cgroup memory.max"
	SourceCgroupV1  = "cgroup memory.limit_in_bytes"
	SourceUlimit    = "ulimit -v"
	SourceMeminfo   = "MemAvailable"
	SourceUnknown   = "unknown"
	unlimitedCgroup = 1 << 62 // v1 writes 2^63 − page size for "no limit"
)

// Available returns the bytes this process may still allocate: the
// smallest of the cgroup limit less the cgroup's usage, RLIMIT_AS less
// the virtual size, and MemAvailable, with source naming the one that
// bounded it ("cgroup memory.max", "cgroup memory.limit_in_bytes",
// "ulimit -v", "MemAvailable"). It is never negative. Where none can be
// read it returns Unknown and "unknown".
func Available() (bytes int64, source string) {
	if runtime.GOOS != "linux" {
		return Unknown, SourceUnknown
	}
	return available("/", addressLimit)
}

// Check returns nil when need bytes fit in what Available reports, and
// otherwise an error "WHAT is not allowed: it would need about NEED, and
// AVAILABLE is available (SOURCE)". what names the setting that asks for
// the memory, as "[SECTION: ]FIELD = VALUE" (for example
// "rnn: dims = [1 46000 1]"), so the error is a *config.Error when what
// has that form.
func Check(need int64, what string) error {
	avail, src := Available()
	return check(need, what, avail, src)
}

func check(need int64, what string, avail int64, src string) error {
	if need <= avail {
		return nil
	}
	return config.Errorf("%s is not allowed: it would need about %s, and %s is available (%s)", what, Format(need), Format(avail), src)
}

// Format writes a number of bytes for people, in powers of 1024: "512 B",
// "1.5 KiB", "15.8 GiB", "120 MiB" (one decimal below 100 of a unit).
func Format(n int64) string {
	if n < 0 {
		return "-" + Format(-max(n, -math.MaxInt64))
	}
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	x := float64(n) / 1024
	u := 0
	for x >= 1024 && u < len(units)-1 {
		x /= 1024
		u++
	}
	if s := strconv.FormatFloat(x, 'f', 1, 64); x < 100 && s != "100.0" {
		return s + " " + units[u]
	}
	return fmt.Sprintf("%.0f %s", x, units[u])
}

// available is Available with the file system rooted at root (tests point
// it at a fake /proc and /sys) and the address-space limit read by
// rlimit (ok false: none, or unlimited).
func available(root string, rlimit func() (limit uint64, ok bool)) (int64, string) {
	best, src := Unknown, SourceUnknown
	consider := func(v int64, s string) {
		if v < best {
			best, src = max(v, 0), s
		}
	}
	if v, s, ok := cgroupAvailable(root); ok {
		consider(v, s)
	}
	if lim, ok := rlimit(); ok && lim < uint64(Unknown) {
		if vm, ok := statusKB(filepath.Join(root, "proc/self/status"), "VmSize:"); ok {
			consider(int64(lim)-vm, SourceUlimit)
		}
	}
	if v, ok := statusKB(filepath.Join(root, "proc/meminfo"), "MemAvailable:"); ok {
		consider(v, SourceMeminfo)
	}
	return best, src
}

// statusKB reads the "KEY   123 kB" line of a /proc status file, in bytes.
func statusKB(path, key string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		rest, ok := strings.CutPrefix(line, key)
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return 0, false
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || v < 0 || v > Unknown>>10 {
			return 0, false
		}
		if len(f) > 1 && f[1] == "kB" {
			v <<= 10
		}
		return v, true
	}
	return 0, false
}

// mount is one cgroup hierarchy as /proc/self/mountinfo lists it.
type mount struct {
	root, point string // the hierarchy's path mounted, and where
	v2          bool
}

// cgroupMounts lists the cgroup v2 hierarchy and the v1 memory hierarchy
// from mountinfo, or the usual places when mountinfo cannot be read.
func cgroupMounts(root string) []mount {
	f, err := os.Open(filepath.Join(root, "proc/self/mountinfo"))
	if err != nil {
		return []mount{{"/", "/sys/fs/cgroup", true}, {"/", "/sys/fs/cgroup/memory", false}}
	}
	defer f.Close()
	var out []mount
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		// id parent major:minor root mountpoint options [optional...] - fstype source superoptions
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok {
			continue
		}
		a, b := strings.Fields(pre), strings.Fields(post)
		if len(a) < 5 || len(b) < 1 {
			continue
		}
		switch {
		case b[0] == "cgroup2":
			out = append(out, mount{unescape(a[3]), unescape(a[4]), true})
		case b[0] == "cgroup" && len(b) >= 3 && hasOption(b[2], "memory"):
			out = append(out, mount{unescape(a[3]), unescape(a[4]), false})
		}
	}
	return out
}

func hasOption(opts, want string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// cgroupPaths returns this process's cgroup v2 path ("0::/x") and v1
// memory path ("4:memory:/y") from /proc/self/cgroup.
func cgroupPaths(root string) (v2, v1 string, ok2, ok1 bool) {
	data, err := os.ReadFile(filepath.Join(root, "proc/self/cgroup"))
	if err != nil {
		return "", "", false, false
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2, ok2 = parts[2], true
		case hasOption(parts[1], "memory"):
			v1, ok1 = parts[2], true
		}
	}
	return v2, v1, ok2, ok1
}

// cgroupAvailable returns the least room left at any level of this
// process's memory cgroup, from the leaf up to the hierarchy's root.
func cgroupAvailable(root string) (int64, string, bool) {
	p2, p1, ok2, ok1 := cgroupPaths(root)
	if !ok2 && !ok1 {
		return 0, "", false
	}
	best, src, found := int64(0), "", false
	for _, m := range cgroupMounts(root) {
		path, ok := p1, ok1
		if m.v2 {
			path, ok = p2, ok2
		}
		if !ok {
			continue
		}
		v, ok := hierarchyAvailable(root, m, path)
		if !ok {
			continue
		}
		s := SourceCgroupV1
		if m.v2 {
			s = SourceCgroupV2
		}
		if !found || v < best {
			best, src, found = v, s, true
		}
	}
	return best, src, found
}

// hierarchyAvailable walks from the process's cgroup directory in one
// hierarchy up to the mount point, returning the least limit − usage of
// the levels that have a limit.
func hierarchyAvailable(root string, m mount, cgPath string) (int64, bool) {
	rel := cgPath
	if m.root != "/" {
		r, ok := strings.CutPrefix(cgPath, m.root)
		if !ok {
			return 0, false // the process's cgroup is outside this mount
		}
		rel = r
	}
	top := filepath.Join(root, m.point)
	dir := filepath.Join(top, filepath.Clean("/"+rel))
	if _, err := os.Stat(dir); err != nil {
		dir = top // a cgroup namespace we cannot see into: the mount is ours
	}
	best, found := int64(0), false
	for {
		if v, ok := levelAvailable(dir, m.v2); ok && (!found || v < best) {
			best, found = v, true
		}
		if dir == top || len(dir) <= len(top) {
			break
		}
		dir = filepath.Dir(dir)
	}
	return best, found
}

// levelAvailable returns limit − (usage − inactive file cache) for one
// cgroup directory; ok is false when it has no limit.
func levelAvailable(dir string, v2 bool) (int64, bool) {
	limF, useF, inactive := "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file"
	if v2 {
		limF, useF, inactive = "memory.max", "memory.current", "inactive_file"
	}
	lim, ok := readNumber(filepath.Join(dir, limF))
	if !ok || lim >= unlimitedCgroup {
		return 0, false
	}
	use, ok := readNumber(filepath.Join(dir, useF))
	if !ok {
		return 0, false
	}
	if cache, ok := statValue(filepath.Join(dir, "memory.stat"), inactive); ok && cache <= use {
		use -= cache
	}
	return max(lim-use, 0), true
}

// readNumber reads a file holding one number ("max" is no limit).
func readNumber(path string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	s := string(bytes.TrimSpace(data))
	if s == "max" {
		return unlimitedCgroup, true
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, false
	}
	if v >= unlimitedCgroup {
		return unlimitedCgroup, true
	}
	return int64(v), true
}

// statValue reads "key value" from a memory.stat file.
func statValue(path, key string) (int64, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if !ok || k != key {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		return n, err == nil && n >= 0
	}
	return 0, false
}
