package npz

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := []string{".last.npz.tmp123", ".last.npz.tmp0", ".last.npz.tmp4294967295", ".last.npz.tmp1"}
	kept := []string{
		"last.npz",                 // the target itself
		".last.npz.tmp",            // no number
		".last.npz.tmp12a",         // not a number
		".last.npz.tmp01",          // CreateTemp writes no leading zero
		".last.npz.tmp4294967296",  // above 2^32-1
		".last.npz.tmp42949672950", // 11 digits
		".last.npz.tmp-1",          // sign
		"last.npz.tmp123",          // no leading dot
		".last.npz.tmp123.bak",     // suffix
		"x.last.npz.tmp123",        // prefix
		".other.npz.tmp123",        // another target
		".last.npz.tmp123 ",        // trailing space
		"..last.npz.tmp123",        // two dots
		".LAST.npz.tmp123",         // case
		".last.npz.tmp١٢٣",         // non-ASCII digits
	}
	for _, n := range append(append([]string(nil), stale...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// not regular files: a directory, and a link to a file outside
	os.Mkdir(filepath.Join(dir, ".last.npz.tmp7"), 0o755)
	os.WriteFile(filepath.Join(dir, ".last.npz.tmp7", ".last.npz.tmp8"), []byte("x"), 0o644)
	outside := filepath.Join(t.TempDir(), "user-file")
	os.WriteFile(outside, []byte("x"), 0o644)
	if err := os.Symlink(outside, filepath.Join(dir, ".last.npz.tmp9")); err != nil {
		t.Fatal(err)
	}

	removed, err := RemoveStaleTemps(dir, "last.npz")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range stale {
		want = append(want, filepath.Join(dir, n))
	}
	slices.Sort(want)
	slices.Sort(removed)
	if !slices.Equal(removed, want) {
		t.Errorf("removed %q, want %q", removed, want)
	}
	for _, n := range stale {
		if _, err := os.Lstat(filepath.Join(dir, n)); !os.IsNotExist(err) {
			t.Errorf("%s still there (%v)", n, err)
		}
	}
	for _, n := range append(kept, ".last.npz.tmp7", ".last.npz.tmp7/.last.npz.tmp8", ".last.npz.tmp9") {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed: %v", n, err)
		}
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("the link's target was removed: %v", err)
	}
	// nothing left to remove
	if removed, err := RemoveStaleTemps(dir, "last.npz"); err != nil || len(removed) != 0 {
		t.Errorf("second call: %v %v", removed, err)
	}
}

func TestRemoveStaleTempsErrors(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", ".", "..", "a/b", "/abs", `a\b`} {
		if _, err := RemoveStaleTemps(dir, name); err == nil || !strings.Contains(err.Error(), "is not allowed") {
			t.Errorf("name %q: %v", name, err)
		}
	}
	if _, err := RemoveStaleTemps(filepath.Join(dir, "missing"), "last.npz"); err == nil {
		t.Error("missing directory: no error")
	}
}

// TestRemoveStaleTempsFindsWriteFileAtomicsTemp checks that the pattern is
// the one WriteFileAtomic's temporary files have: caught in the middle of
// a write (as kill -9 would leave it), the temporary file is removed; the
// interrupted write then fails and leaves the old file as it was.
func TestRemoveStaleTempsFindsWriteFileAtomicsTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "last.npz")
	os.WriteFile(path, []byte("old"), 0o644)
	var removed []string
	err := WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "new")
		var err error
		removed, err = RemoveStaleTemps(dir, "last.npz")
		return err
	})
	if len(removed) != 1 || !strings.HasPrefix(filepath.Base(removed[0]), ".last.npz.tmp") {
		t.Fatalf("removed %q during the write, want its temporary file", removed)
	}
	if err == nil {
		t.Fatal("the write whose temporary file was removed reported no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("target holds %q, want the old content", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only last.npz", len(entries))
	}
}
