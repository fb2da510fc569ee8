package memlimit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/config"
)

const (
	kib = int64(1) << 10
	mib = int64(1) << 20
	gib = int64(1) << 30
)

// fakeRoot writes files (path relative to the root → content) under a
// temporary directory and returns it.
func fakeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	mountV2     = "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
	mountV1     = "35 31 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	meminfo10G  = "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:   10485760 kB\n"
	statusVm1_5 = "Name:\tdale\nVmPeak:\t 1600000 kB\nVmSize:\t 1572864 kB\nVmRSS:\t 100 kB\n"
	v1Unlimited = "9223372036854771712\n"
)

func noRlimit() (uint64, bool) { return 0, false }

// Available takes the smallest limit and names it; cache that can be
// reclaimed does not count as used; a parent's limit counts; files that
// are missing or unreadable are skipped.
func TestAvailable(t *testing.T) {
	cases := []struct {
		name   string
		files  map[string]string
		rlimit func() (uint64, bool)
		want   int64
		source string
	}{
		{"cgroup v2 leaf limit, inactive file cache reclaimable", map[string]string{
			"proc/self/cgroup":                 "0::/a/b\n",
			"proc/self/mountinfo":              mountV2,
			"proc/meminfo":                     meminfo10G,
			"sys/fs/cgroup/a/memory.max":       "max\n",
			"sys/fs/cgroup/a/memory.current":   "200000000\n",
			"sys/fs/cgroup/a/b/memory.max":     "3221225472\n",
			"sys/fs/cgroup/a/b/memory.current": "104857600\n",
			"sys/fs/cgroup/a/b/memory.stat":    "anon 52428800\nfile 52428800\ninactive_file 52428800\nactive_file 0\n",
		}, noRlimit, 3*gib - 50*mib, SourceCgroupV2},
		{"cgroup v2 parent limit tighter", map[string]string{
			"proc/self/cgroup":                 "0::/a/b\n",
			"proc/self/mountinfo":              mountV2,
			"proc/meminfo":                     meminfo10G,
			"sys/fs/cgroup/a/memory.max":       "1073741824\n",
			"sys/fs/cgroup/a/memory.current":   "943718400\n",
			"sys/fs/cgroup/a/b/memory.max":     "3221225472\n",
			"sys/fs/cgroup/a/b/memory.current": "104857600\n",
		}, noRlimit, 1*gib - 900*mib, SourceCgroupV2},
		{"cgroup v2 over its limit", map[string]string{
			"proc/self/cgroup":               "0::/a\n",
			"proc/self/mountinfo":            mountV2,
			"proc/meminfo":                   meminfo10G,
			"sys/fs/cgroup/a/memory.max":     "1048576\n",
			"sys/fs/cgroup/a/memory.current": "2097152\n",
		}, noRlimit, 0, SourceCgroupV2},
		{"cgroup v2 namespace: own cgroup is the mount root", map[string]string{
			"proc/self/cgroup":             "0::/../../host/path\n",
			"proc/self/mountinfo":          mountV2,
			"proc/meminfo":                 meminfo10G,
			"sys/fs/cgroup/memory.max":     "2147483648\n",
			"sys/fs/cgroup/memory.current": "1073741824\n",
		}, noRlimit, 1 * gib, SourceCgroupV2},
		{"cgroup v2 without mountinfo: /sys/fs/cgroup", map[string]string{
			"proc/self/cgroup":               "0::/a\n",
			"proc/meminfo":                   meminfo10G,
			"sys/fs/cgroup/a/memory.max":     "2147483648\n",
			"sys/fs/cgroup/a/memory.current": "0\n",
		}, noRlimit, 2 * gib, SourceCgroupV2},
		{"cgroup v2 max everywhere: MemAvailable", map[string]string{
			"proc/self/cgroup":               "0::/a\n",
			"proc/self/mountinfo":            mountV2,
			"proc/meminfo":                   meminfo10G,
			"sys/fs/cgroup/a/memory.max":     "max\n",
			"sys/fs/cgroup/a/memory.current": "5\n",
		}, noRlimit, 10 * gib, SourceMeminfo},
		{"cgroup v1 memory controller, hybrid with an empty v2", map[string]string{
			"proc/self/cgroup":    "4:memory:/job/7\n0::/\n",
			"proc/self/mountinfo": mountV1,
			"proc/meminfo":        meminfo10G,
			"sys/fs/cgroup/memory/job/memory.limit_in_bytes":   v1Unlimited,
			"sys/fs/cgroup/memory/job/memory.usage_in_bytes":   "1\n",
			"sys/fs/cgroup/memory/job/7/memory.limit_in_bytes": "4294967296\n",
			"sys/fs/cgroup/memory/job/7/memory.usage_in_bytes": "1073741824\n",
			"sys/fs/cgroup/memory/job/7/memory.stat":           "cache 0\ninactive_file 999\ntotal_inactive_file 536870912\n",
			"sys/fs/cgroup/unified/cgroup.procs":               "",
		}, noRlimit, 4*gib - 1*gib + 512*mib, SourceCgroupV1},
		{"cgroup v1 unlimited: MemAvailable", map[string]string{
			"proc/self/cgroup":    "4:memory:/\n",
			"proc/self/mountinfo": mountV1,
			"proc/meminfo":        meminfo10G,
			"sys/fs/cgroup/memory/memory.limit_in_bytes": v1Unlimited,
			"sys/fs/cgroup/memory/memory.usage_in_bytes": "12345\n",
		}, noRlimit, 10 * gib, SourceMeminfo},
		{"ulimit -v less the virtual size", map[string]string{
			"proc/self/status": statusVm1_5,
			"proc/meminfo":     meminfo10G,
		}, func() (uint64, bool) { return uint64(2 * gib), true }, 2*gib - 1536*mib, SourceUlimit},
		{"ulimit -v without VmSize is skipped", map[string]string{
			"proc/meminfo": meminfo10G,
		}, func() (uint64, bool) { return uint64(2 * gib), true }, 10 * gib, SourceMeminfo},
		{"MemAvailable smallest", map[string]string{
			"proc/self/cgroup":               "0::/a\n",
			"proc/self/mountinfo":            mountV2,
			"proc/meminfo":                   "MemAvailable:    1024 kB\n",
			"sys/fs/cgroup/a/memory.max":     "2147483648\n",
			"sys/fs/cgroup/a/memory.current": "0\n",
		}, noRlimit, 1 * mib, SourceMeminfo},
		{"garbage files are skipped", map[string]string{
			"proc/self/cgroup":               "garbage\n0::/a\n",
			"proc/self/mountinfo":            "nonsense line\n" + mountV2,
			"proc/meminfo":                   "MemAvailable: lots kB\n",
			"sys/fs/cgroup/a/memory.max":     "-5\n",
			"sys/fs/cgroup/a/memory.current": "0\n",
		}, noRlimit, Unknown, SourceUnknown},
		{"nothing readable", map[string]string{}, noRlimit, Unknown, SourceUnknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, src := available(fakeRoot(t, c.files), c.rlimit)
			if got != c.want || src != c.source {
				t.Fatalf("available = %d (%s), %q; want %d (%s), %q", got, Format(got), src, c.want, Format(c.want), c.source)
			}
		})
	}
}

// A mount point with a space is written \040 in mountinfo.
func TestMountinfoEscapes(t *testing.T) {
	root := fakeRoot(t, map[string]string{
		"proc/self/cgroup":                  "0::/a\n",
		"proc/self/mountinfo":               `30 23 0:26 / /sys/fs/my\040cgroup rw - cgroup2 cgroup2 rw` + "\n",
		"sys/fs/my cgroup/a/memory.max":     "1048576\n",
		"sys/fs/my cgroup/a/memory.current": "0\n",
	})
	if got, src := available(root, noRlimit); got != mib || src != SourceCgroupV2 {
		t.Fatalf("available = %d, %q; want %d from the escaped mount point", got, src, mib)
	}
	if got := unescape(`a\040b\\c\04`); got != `a b\\c\04` {
		t.Fatalf("unescape = %q", got)
	}
}

// The real machine: a number in [0, Unknown] and a known source.
func TestAvailableHere(t *testing.T) {
	got, src := Available()
	switch src {
	case SourceCgroupV1, SourceCgroupV2, SourceUlimit, SourceMeminfo:
		if got < 0 || got >= Unknown {
			t.Fatalf("Available = %d from %s", got, src)
		}
	case SourceUnknown:
		if got != Unknown {
			t.Fatalf("Available = %d with source unknown, want Unknown", got)
		}
	default:
		t.Fatalf("Available source %q", src)
	}
}

func TestCheck(t *testing.T) {
	if err := check(2*gib, "x = 1", 2*gib, SourceMeminfo); err != nil {
		t.Fatalf("need = available: %v", err)
	}
	err := check(16_965_120_000, "dale: hidden_size = 46000", 3113851289, SourceCgroupV2)
	const want = "dale: hidden_size = 46000 is not allowed: it would need about 15.8 GiB, and 2.9 GiB is available (cgroup memory.max)"
	if err == nil || err.Error() != want {
		t.Fatalf("check error = %v\nwant %s", err, want)
	}
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Section != "dale" || ce.Field != "hidden_size" || ce.Value != "46000" {
		t.Fatalf("check error is not a config.Error with its parts: %#v", ce)
	}
	if err := check(1, "plain text", 0, SourceUlimit); err == nil || !strings.Contains(err.Error(), "0 B is available (ulimit -v)") {
		t.Fatalf("check error = %v", err)
	}
	if err := Check(1, "x = 1"); err != nil {
		t.Fatalf("one byte does not fit here: %v", err)
	}
	if err := Check(Unknown+1, "x = 1"); err == nil {
		t.Fatal("more than Unknown fits")
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536, "1.5 KiB"},
		{99*kib + 1000, "100 KiB"}, {100 * kib, "100 KiB"}, {1023 * kib, "1023 KiB"},
		{mib, "1.0 MiB"}, {3 * gib / 2, "1.5 GiB"}, {16_965_120_000, "15.8 GiB"},
		{Unknown, "4.0 EiB"}, {1<<63 - 1, "8.0 EiB"}, {-1536, "-1.5 KiB"}, {-1 << 63, "-8.0 EiB"},
	} {
		if got := Format(c.n); got != c.want {
			t.Errorf("Format(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
