package npz

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Write writes the arrays to an .npz archive at path, atomically: the file
// either keeps its old content or holds all the new arrays. Names must be
// unique and non-empty.
func Write(path string, arrays ...Array) error {
	seen := map[string]bool{}
	for _, a := range arrays {
		if a.Name == "" || strings.ContainsAny(a.Name, "/\\") {
			return fmt.Errorf("npz: array name %q is not allowed: must be non-empty without slashes", a.Name)
		}
		if seen[a.Name] {
			return fmt.Errorf("npz: array name %q appears twice", a.Name)
		}
		seen[a.Name] = true
		if _, n, err := dtypeOf(a.Data); err != nil {
			return fmt.Errorf("%v (array %q)", err, a.Name)
		} else if want, err := count(a.Shape); err != nil || want != n {
			return fmt.Errorf("npz: array %q: shape %v does not match its %d values", a.Name, a.Shape, n)
		}
	}
	return WriteFileAtomic(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, a := range arrays {
			f, err := zw.CreateHeader(&zip.FileHeader{Name: a.Name + ".npy", Method: zip.Deflate})
			if err != nil {
				return err
			}
			bw := bufio.NewWriterSize(f, 1<<16)
			if err := WriteNPY(bw, a.Shape, a.Data); err != nil {
				return fmt.Errorf("%v (array %q)", err, a.Name)
			}
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		return zw.Close()
	})
}

// Read reads every array of an .npz archive, keyed by name (without the
// .npy suffix).
func Read(path string) (map[string]Array, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		if _, serr := os.Stat(path); serr != nil {
			return nil, fmt.Errorf("npz: %v", serr)
		}
		return nil, fmt.Errorf("npz: %s is not an .npz archive: %v", path, err)
	}
	defer zr.Close()
	out := make(map[string]Array, len(zr.File))
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".npy") {
			continue
		}
		name := strings.TrimSuffix(f.Name, ".npy")
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("npz: %s: array %q: %v", path, name, err)
		}
		shape, data, err := ReadNPY(bufio.NewReaderSize(rc, 1<<16))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: array %q: %v", path, name, err)
		}
		out[name] = Array{Name: name, Shape: shape, Data: data}
	}
	return out, nil
}

// Names returns the sorted names of a set of arrays read with Read.
func Names(arrays map[string]Array) []string {
	names := make([]string, 0, len(arrays))
	for n := range arrays {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// WriteFileAtomic writes a file through a temporary file in the same
// directory, syncs it to disk and renames it over path, so a reader or a
// crash never sees a half-written file.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
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

// Float32 returns the array's values converted to float32 (always a copy).
func (a Array) Float32() ([]float32, error) {
	switch d := a.Data.(type) {
	case []float32:
		return append([]float32(nil), d...), nil
	case []float64:
		return convert[float64, float32](d), nil
	case []int32:
		return convert[int32, float32](d), nil
	case []int64:
		return convert[int64, float32](d), nil
	case []uint8:
		return convert[uint8, float32](d), nil
	}
	return nil, fmt.Errorf("npz: array %q holds %T, not numbers", a.Name, a.Data)
}

// Float64 returns the array's values converted to float64 (always a copy).
func (a Array) Float64() ([]float64, error) {
	switch d := a.Data.(type) {
	case []float32:
		return convert[float32, float64](d), nil
	case []float64:
		return append([]float64(nil), d...), nil
	case []int32:
		return convert[int32, float64](d), nil
	case []int64:
		return convert[int64, float64](d), nil
	case []uint8:
		return convert[uint8, float64](d), nil
	}
	return nil, fmt.Errorf("npz: array %q holds %T, not numbers", a.Name, a.Data)
}

type number interface {
	~float32 | ~float64 | ~int32 | ~int64 | ~uint8
}

func convert[S, D number](s []S) []D {
	d := make([]D, len(s))
	for i, v := range s {
		d[i] = D(v)
	}
	return d
}

// ReadNPYFile reads a single .npy file.
func ReadNPYFile(path string) (Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return Array{}, fmt.Errorf("npz: %v", err)
	}
	defer f.Close()
	shape, data, err := ReadNPY(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		return Array{}, fmt.Errorf("%s: %v", path, err)
	}
	name := strings.TrimSuffix(filepath.Base(path), ".npy")
	return Array{Name: name, Shape: shape, Data: data}, nil
}

// WriteNPYFile writes a single .npy file atomically.
func WriteNPYFile(path string, a Array) error {
	return WriteFileAtomic(path, func(w io.Writer) error { return WriteNPY(w, a.Shape, a.Data) })
}
