package sweep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/run"
)

// The files of a sweep directory OUT.
const (
	// StateFile is OUT's record of the sweep: the spec, its folder, the
	// backend and the Slurm jobs submitted.
	StateFile = "sweep.json"
	// RunsDir holds one ordinary run directory per member, named by its
	// ID: OUT/runs/0000, OUT/runs/0001, ...
	RunsDir = "runs"
	// MemberFile and MemberLog are what a member's worker adds to its run
	// directory: its state (MemberState) and its log.
	MemberFile = "member.json"
	MemberLog  = "member.log"
	// AttemptsDir keeps, per member, the files of attempts that failed
	// before their first checkpoint (OUT/attempts/0003-1/), set aside
	// when the member is run again.
	AttemptsDir = "attempts"
	// SlurmDir holds the batch scripts submitted and Slurm's own output.
	SlurmDir = "slurm"
	// ResultsFile and FiguresDir are what Collect writes.
	ResultsFile = "results.csv"
	FiguresDir  = "figures"
)

// Backends a sweep runs on.
const (
	Local = "local"
	Slurm = "slurm"
)

// Sweep is a sweep directory: the spec and where its members run.
type Sweep struct {
	// Dir is OUT.
	Dir  string
	Spec *Spec
	// Backend is Local or Slurm: where Create meant it to run (resume
	// uses it unless told otherwise).
	Backend string
	// Jobs are the Slurm jobs submitted for it, oldest first.
	Jobs []Job
}

// Job is one submitted Slurm job array.
type Job struct {
	ID        string    `json:"id"`
	Indices   []int     `json:"indices"`
	Script    string    `json:"script"`
	Submitted time.Time `json:"submitted"`
}

// state is StateFile's JSON.
type state struct {
	Version int             `json:"version"`
	Spec    json.RawMessage `json:"spec"`
	SpecDir string          `json:"spec_dir"`
	Backend string          `json:"backend"`
	Members int             `json:"members"`
	Created time.Time       `json:"created"`
	Jobs    []Job           `json:"jobs,omitempty"`
}

// Create makes the sweep directory out for spec: it expands and resolves
// every member first (a bad spec is refused whole, writing nothing), then
// refuses an out that exists and is not empty, then writes OUT/sweep.json
// and OUT/runs/. Members are run by RunLocal, Submit or RunMember.
func Create(spec *Spec, out, backend string) (*Sweep, error) {
	if backend != Local && backend != Slurm {
		return nil, config.Errorf("backend = %q is not allowed: local or slurm", backend)
	}
	for i := range spec.Len() {
		if _, err := spec.Member(i); err != nil {
			return nil, err
		}
	}
	if err := checkOutPath(out); err != nil {
		return nil, err
	}
	if err := run.CheckNewDir(out, "sweep directory"); err != nil {
		return nil, err
	}
	specDir, err := filepath.Abs(spec.Dir)
	if err != nil {
		return nil, fmt.Errorf("sweep spec folder %s: %v", spec.Dir, err)
	}
	s := *spec
	s.Dir = specDir
	sw := &Sweep{Dir: out, Spec: &s, Backend: backend}
	if err := os.MkdirAll(filepath.Join(out, RunsDir), 0o755); err != nil {
		return nil, fmt.Errorf("sweep directory %s: %v", out, err)
	}
	if err := sw.save(time.Now()); err != nil {
		return nil, err
	}
	return sw, nil
}

// Open reads the sweep directory out.
func Open(out string) (*Sweep, error) {
	path := filepath.Join(out, StateFile)
	data, err := config.ReadLimited(path, run.MaxConfigBytes)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("sweep directory %s: no %s: not a sweep directory (dale sweep --spec S --out DIR makes one)", out, StateFile)
		}
		return nil, fmt.Errorf("sweep directory %s: %v", out, err)
	}
	if err := config.CheckJSON(data); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var st state
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&st); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if st.Version != 1 {
		return nil, fmt.Errorf("%s: version = %d is not allowed: this dale reads version 1", path, st.Version)
	}
	if st.Backend != Local && st.Backend != Slurm {
		return nil, fmt.Errorf("%s: backend = %q is not allowed: local or slurm", path, st.Backend)
	}
	spec, err := Parse(st.Spec, path+": spec")
	if err != nil {
		return nil, err
	}
	spec.Dir = st.SpecDir
	if n := spec.Len(); n != st.Members {
		return nil, fmt.Errorf("%s: members = %d, but its spec has %d: the file was edited", path, st.Members, n)
	}
	return &Sweep{Dir: out, Spec: spec, Backend: st.Backend, Jobs: st.Jobs}, nil
}

// save writes StateFile atomically.
func (sw *Sweep) save(created time.Time) error {
	spec, err := sw.Spec.MarshalJSON()
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(filepath.Join(sw.Dir, StateFile)); err == nil {
		var st state
		if json.Unmarshal(old, &st) == nil && !st.Created.IsZero() {
			created = st.Created
		}
	}
	st := state{Version: 1, Spec: spec, SpecDir: sw.Spec.Dir, Backend: sw.Backend, Members: sw.Spec.Len(), Created: created.UTC(), Jobs: sw.Jobs}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return npz.WriteFileAtomic(filepath.Join(sw.Dir, StateFile), func(w io.Writer) error { _, err := w.Write(b); return err })
}

// Lock takes OUT's lock, so that two commands do not drive one sweep at
// once (a second gets an error wrapping run.ErrLocked). The members'
// workers do not take it: each holds its own member's lock instead.
func (sw *Sweep) Lock() (*run.Lock, error) { return run.LockDir(sw.Dir, "sweep directory") }

// Len is the number of members.
func (sw *Sweep) Len() int { return sw.Spec.Len() }

// MemberDir is the run directory of member idx.
func (sw *Sweep) MemberDir(idx int) string {
	return filepath.Join(sw.Dir, RunsDir, sw.Spec.id(idx))
}

// Threads is the number of threads each member runs on.
func (sw *Sweep) Threads() int { return sw.Spec.threads() }

// checkOutPath refuses a sweep directory whose absolute path Slurm's
// batch script could not carry (#SBATCH --output takes no quotes and
// expands %).
func checkOutPath(out string) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("sweep directory %s: %v", out, err)
	}
	if strings.ContainsAny(abs, "%\n\r\t ") {
		return config.Errorf("--out = %q is not allowed: the sweep directory's path may not hold spaces, %%, tabs or line breaks (Slurm's batch script carries it)", out)
	}
	return nil
}
