package npz

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// WriteFileAtomic writes a file through a temporary file in the same
// directory, syncs it to disk and renames it over path, so a reader or a
// crash never sees a half-written file.
//
// The temporary file is named .NAME.tmpN, NAME being path's base name and
// N a decimal number below 2^32. A write that fails removes it, but a
// process killed while writing leaves it behind: call RemoveStaleTemps
// for dir and NAME when no write to path can be under way (for a run
// directory, when opening it under its lock) to remove such leftovers.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPrefix(filepath.Base(path))+"*")
	if err != nil {
		return fmt.Errorf("npz: cannot write %s: %v", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return fmt.Errorf("npz: writing %s: %v", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("npz: syncing %s: %v", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("npz: closing %s: %v", path, err)
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("npz: %v", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("npz: cannot write %s: %v", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: make the rename durable
		d.Close()
	}
	return nil
}

func tempPrefix(name string) string { return "." + name + ".tmp" }

// isTempName reports whether file is a name os.CreateTemp gives for the
// pattern WriteFileAtomic uses for name: the prefix and a uint32 in
// decimal, without leading zeros.
func isTempName(file, name string) bool {
	n, ok := strings.CutPrefix(file, tempPrefix(name))
	if !ok || n == "" || (n[0] == '0' && n != "0") {
		return false
	}
	_, err := strconv.ParseUint(n, 10, 32)
	return err == nil
}

// RemoveStaleTemps removes the temporary files that WriteFileAtomic
// leaves in dir for the target file name when its process dies mid-write
// (see WriteFileAtomic), and returns the paths it removed. It removes only
// regular files named exactly .NAME.tmpN (N a decimal below 2^32, as
// WriteFileAtomic names them), directly in dir, never a symbolic link, a
// directory or name itself.
//
// A WriteFileAtomic to dir/name running meanwhile would lose its
// temporary file and fail (it never leaves a damaged file), so call it
// only where no such write can run, for example under the lock of the
// directory's owner.
func RemoveStaleTemps(dir, name string) ([]string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) || name != filepath.Base(name) {
		return nil, fmt.Errorf("npz: RemoveStaleTemps: name = %q is not allowed: a file name without a directory", name)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("npz: RemoveStaleTemps: %v", err)
	}
	var removed []string
	for _, e := range ents {
		if !e.Type().IsRegular() || !isTempName(e.Name(), name) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return removed, fmt.Errorf("npz: RemoveStaleTemps: %v", err)
		}
		removed = append(removed, p)
	}
	return removed, nil
}
