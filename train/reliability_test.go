package train

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/npz"
)

// runDir trains a small run of 6 steps (checkpoints every 2) into a new
// directory and returns it with the options used.
func runDir(t testing.TB) (string, Options) {
	t.Helper()
	dir := t.TempDir()
	opts := Options{Steps: 6, BatchSize: 4, EvalEvery: 3, EvalTrials: 4, CheckpointEvery: 2, Name: "sign"}
	o := opts
	o.Recorders = RunFiles(dir)
	if _, err := Run(context.Background(), smallModel(t, 8, 1, nil), newSignTask(8), o); err != nil {
		t.Fatal(err)
	}
	return dir, opts
}

// snapshotFiles returns every file of dir with its bytes.
func snapshotFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func sameFiles(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := snapshotFiles(t, dir)
	for name, b := range before {
		if after[name] != b {
			t.Errorf("%s changed", name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s was written", name)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// editStateBytes replaces last.npz's trainer state by state.
func editStateBytes(t *testing.T, dir string, state []byte) {
	t.Helper()
	path := filepath.Join(dir, LastFile)
	arrays, err := npz.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	arrays[stateArray] = npz.Array{Name: stateArray, Shape: []int{len(state)}, Data: append([]byte(nil), state...)}
	var list []npz.Array
	for _, n := range npz.Names(arrays) {
		list = append(list, arrays[n])
	}
	if err := npz.Write(path, list...); err != nil {
		t.Fatal(err)
	}
}

// editState rewrites last.npz's trainer state with edit applied to its
// JSON object.
func editState(t *testing.T, dir string, edit func(map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, LastFile)
	arrays, err := npz.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(arrays[stateArray].Data.([]uint8), &st); err != nil {
		t.Fatal(err)
	}
	edit(st)
	b, _ := json.Marshal(st)
	arrays[stateArray] = npz.Array{Name: stateArray, Shape: []int{len(b)}, Data: b}
	var list []npz.Array
	for _, n := range npz.Names(arrays) {
		list = append(list, arrays[n])
	}
	if err := npz.Write(path, list...); err != nil {
		t.Fatal(err)
	}
}

// A resume that cannot continue is refused before anything is written:
// a bad step count in the checkpoint (negative, beyond the run's steps),
// fewer steps than done, a checkpoint of another run, a bad batch size.
func TestResumeRefusesBeforeWriting(t *testing.T) {
	for _, c := range []struct {
		name  string
		state func(map[string]any)
		opts  func(*Options)
		want  string
	}{
		{"negative step", func(s map[string]any) { s["step"] = -5 }, nil, "step = -5 is not allowed: a checkpoint's step count is >= 0"},
		{"step 1e12", func(s map[string]any) { s["step"] = 1e12 }, nil, "steps = 8 is not allowed: the checkpoint has done 1000000000000 steps already"},
		{"fewer steps than done", nil, func(o *Options) { o.Steps = 4 }, "steps = 4 is not allowed: the checkpoint has done 6 steps already; give at least 6"},
		{"another run", nil, func(o *Options) { o.Name = "romo" }, `the checkpoint is of a run of "sign", not "romo"`},
		{"batch size 0 in the state", func(s map[string]any) { s["batch_size"] = 0 }, nil, "batch_size = 0 is not allowed"},
		{"negative wall time", func(s map[string]any) { s["wall_ns"] = -1 }, nil, "wall_ns = -1 is not allowed"},
		{"stage beyond the curriculum", func(s map[string]any) { s["stage"] = 3 }, nil, "curriculum stage 3"},
		{"changed batch size", nil, func(o *Options) { o.BatchSize = 5 }, "batch_size = 5 differs from the checkpoint's 4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, opts := runDir(t)
			if c.state != nil {
				editState(t, dir, c.state)
			}
			before := snapshotFiles(t, dir)
			opts.Steps = 8
			if c.opts != nil {
				c.opts(&opts)
			}
			opts.Recorders = RunFiles(dir)
			_, err := OpenResume(dir, newSignTask(8), opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			sameFiles(t, dir, before)
		})
	}
}

// kill -9 during a history write leaves a torn last row: a resume drops it
// (only it) and continues; a broken row anywhere else is refused before
// anything is written.
func TestResumeHistoryTornRow(t *testing.T) {
	dir, opts := runDir(t)
	path := filepath.Join(dir, HistoryFile)
	full, _ := os.ReadFile(path)
	rows := strings.Split(strings.TrimSuffix(string(full), "\n"), "\n")
	if len(rows) != 7 {
		t.Fatalf("%d history lines, want a header and 6 rows", len(rows))
	}
	// the checkpoint says step 6; a row for step 7 was being written
	torn := string(full) + "7,0,0.5,0.5,1.2"
	if err := os.WriteFile(path, []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	opts.Steps = 8
	opts.Recorders = RunFiles(dir)
	if _, _, err := Resume(context.Background(), dir, newSignTask(8), opts); err != nil {
		t.Fatalf("resume after a torn row: %v", err)
	}
	got, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) != 9 || !strings.HasPrefix(lines[7], "7,") || !strings.HasPrefix(lines[8], "8,") || !strings.HasPrefix(string(got), string(full)) {
		t.Errorf("history after the resume:\n%s", got)
	}

	// a garbled row in the middle is not a torn row
	dir2, opts2 := runDir(t)
	path2 := filepath.Join(dir2, HistoryFile)
	b, _ := os.ReadFile(path2)
	bad := bytes.Replace(b, []byte("\n3,"), []byte("\n3,x,"), 1)
	if err := os.WriteFile(path2, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshotFiles(t, dir2)
	opts2.Steps = 8
	opts2.Recorders = RunFiles(dir2)
	if _, err := OpenResume(dir2, newSignTask(8), opts2); err == nil || !strings.Contains(err.Error(), "history.csv") || !strings.Contains(err.Error(), "wrong number of fields") {
		t.Fatalf("a broken history: %v", err)
	}
	sameFiles(t, dir2, before)
}

// A Trainer runs once; the eval_every check comes before any write.
func TestTrainerChecksFirst(t *testing.T) {
	if err := (Options{TargetAccuracy: 0.9, EvalEvery: -1}).WithDefaults().Validate(); err == nil || !strings.Contains(err.Error(), "eval_every = -1 is not allowed: a target") {
		t.Errorf("eval_every -1 with a target: %v", err)
	}
	tr, err := NewTrainer(smallModel(t, 8, 1, nil), newSignTask(8), Options{Steps: 2, BatchSize: 2, EvalEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err == nil {
		t.Error("a Trainer ran twice")
	}
}

// A NaN in the optimiser state of a checkpoint is refused on resume.
func TestResumeRefusesNonFiniteOptimiserState(t *testing.T) {
	dir, opts := runDir(t)
	path := filepath.Join(dir, LastFile)
	arrays, err := npz.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var list []npz.Array
	hit := false
	for _, n := range npz.Names(arrays) {
		a := arrays[n]
		if d, ok := a.Data.([]float64); ok && strings.HasPrefix(n, optPrefix) && !hit && len(d) > 1 {
			d[1] = math.NaN()
			hit = true
		}
		list = append(list, a)
	}
	if !hit {
		t.Fatal("no float64 optimiser array in the checkpoint")
	}
	if err := npz.Write(path, list...); err != nil {
		t.Fatal(err)
	}
	opts.Steps = 8
	if _, err := OpenResume(dir, newSignTask(8), opts); err == nil || !strings.Contains(err.Error(), "optimiser state must be finite") {
		t.Fatalf("error %v", err)
	}
}
