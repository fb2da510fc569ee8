package train

import (
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/rnn"
)

func noisyModel(t *testing.T) *rnn.Model {
	return smallModel(t, 24, 7, func(c *rnn.Config) {
		c.PreactNoise, c.PostactNoise = 0.05, 0.01
		c.LearnAlpha = true
		c.InitState = "learn"
	})
}

// resumeOpts: two curriculum stages of different lengths (so two graph
// shapes), noise, several loss terms, an LR schedule, evaluations and
// checkpoints at odd intervals.
func resumeOpts(dir string) Options {
	easy, hard := newSignTask(16), newSignTask(22)
	easy.coh = 1
	return Options{Steps: 40, BatchSize: 16, Seed: 11, EvalSeed: 5, EvalEvery: 10, EvalTrials: 24, CheckpointEvery: 7,
		Recorders: RunFiles(dir), Score: hard.score,
		Optimizer: Adam{LR: 5e-3},
		Schedule:  ScheduleConfig{Type: "cosine", MinLR: 1e-4},
		Losses: []LossSpec{{Loss: MSE{}}, {Loss: FiringRate{}, Lambda: 1e-3}, {Loss: WeightL2{Layer: "hidden"}, Lambda: 1e-4},
			{Loss: CrossEntropy{Outputs: []int{1, 2}}, Lambda: 0.1}},
		Curriculum: []Stage{{Name: "easy", Source: easy, Threshold: 0.01}, {Name: "hard", Source: hard}},
	}
}

func readHistory(t *testing.T, path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestResumeBitForBit: 40 steps straight == 20 steps, stop, resume, 20 more:
// identical losses (every term, total, gradient norm, learning rate) and
// identical weights and optimiser state, bit for bit.
func TestResumeBitForBit(t *testing.T) {
	for _, interrupt := range []bool{true, false} {
		t.Run(map[bool]string{true: "interrupted", false: "step_limit"}[interrupt], func(t *testing.T) {
			testResume(t, interrupt)
		})
	}
}

// testResume stops the second run at step 20 either by cancelling its
// context (SIGINT) or by giving it Steps = 20 (then the schedule must not
// depend on the total, so it is constant).
func testResume(t *testing.T, interrupt bool) {
	dirA, dirB := t.TempDir(), t.TempDir()
	ctx := context.Background()
	mA := noisyModel(t)
	oA := resumeOpts(dirA)
	if !interrupt {
		oA.Schedule = ScheduleConfig{}
	}
	resA, err := Run(ctx, mA, nil, oA)
	if err != nil {
		t.Fatal(err)
	}
	if resA.Stage != 1 {
		t.Fatalf("the curriculum did not advance: stage %d", resA.Stage)
	}
	// Stop at step 20 the way SIGINT does (context cancellation), resume.
	mB := noisyModel(t)
	oB := resumeOpts(dirB)
	if interrupt {
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		oB.Recorders = append(RunFiles(dirB), RecorderFunc(func(r Record) error {
			if r.Step == 20 {
				cancel()
			}
			return nil
		}))
		if res, err := Run(cctx, mB, nil, oB); err != nil || res.Status != Interrupted || res.Step != 20 {
			t.Fatalf("first half: %+v, %v; want interrupted at step 20", res, err)
		}
		oB.Recorders = RunFiles(dirB)
	} else {
		oB.Schedule = ScheduleConfig{}
		oB.Steps = 20
		if res, err := Run(ctx, mB, nil, oB); err != nil || res.Status != StepLimit || res.Step != 20 {
			t.Fatalf("first half: %+v, %v; want step_limit at step 20", res, err)
		}
		oB.Steps = 40
	}
	mB2, resB, err := Resume(ctx, dirB, nil, oB)
	if err != nil {
		t.Fatal(err)
	}
	if resB.Step != 40 || resB.Stage != resA.Stage {
		t.Fatalf("resumed run ended at step %d stage %d, want 40 stage %d", resB.Step, resB.Stage, resA.Stage)
	}
	if resA.Loss != resB.Loss || !reflect.DeepEqual(resA.Losses, resB.Losses) {
		t.Errorf("final losses differ: %v %v vs %v %v", resA.Loss, resA.Losses, resB.Loss, resB.Losses)
	}
	hA, hB := readHistory(t, filepath.Join(dirA, HistoryFile)), readHistory(t, filepath.Join(dirB, HistoryFile))
	if len(hA) != 41 || len(hB) != 41 {
		t.Fatalf("history rows %d and %d, want 41", len(hA), len(hB))
	}
	nCmp := len(hA[0]) - 1 // all but wall_s
	for i := range hA {
		a, b := append([]string(nil), hA[i][:nCmp]...), append([]string(nil), hB[i][:nCmp]...)
		if !interrupt && i == 20 { // the first half's final evaluation
			a, b = a[:nCmp-2], b[:nCmp-2]
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("history row %d differs:\n%v\n%v", i, hA[i], hB[i])
		}
	}
	for i, p := range mA.Params() {
		a, b := p.Value.Data().([]float32), mB2.Params()[i].Value.Data().([]float32)
		for j := range a {
			if math.Float32bits(a[j]) != math.Float32bits(b[j]) {
				t.Fatalf("%s[%d]: %v straight, %v resumed", p.Name, j, a[j], b[j])
			}
		}
	}
	ckA, err := npz.Read(filepath.Join(dirA, LastFile))
	if err != nil {
		t.Fatal(err)
	}
	ckB, err := npz.Read(filepath.Join(dirB, LastFile))
	if err != nil {
		t.Fatal(err)
	}
	nOpt := 0
	for name, a := range ckA {
		if strings.HasPrefix(name, optPrefix) {
			nOpt++
			if !reflect.DeepEqual(a.Data, ckB[name].Data) {
				t.Errorf("optimiser array %s differs", name)
			}
		}
	}
	if nOpt < 2*len(mA.Params())+1 {
		t.Errorf("only %d optimiser arrays in the checkpoint", nOpt)
	}
	// the resumed history keeps its first 20 rows and the summary says so
	if hB[20][0] != "20" || hB[21][0] != "21" {
		t.Errorf("history rows around the resume: %v / %v", hB[20][:2], hB[21][:2])
	}
	if _, err := os.Stat(filepath.Join(dirB, BestFile)); err != nil {
		t.Error(err)
	}
}

func TestNaNStopsWithNamedErrorAndLoadableCheckpoint(t *testing.T) {
	dir := t.TempDir()
	m := smallModel(t, 24, 3, nil)
	opts := Options{Steps: 200, BatchSize: 8, Recorders: RunFiles(dir), CheckpointEvery: 2, EvalEvery: -1,
		Optimizer: SGD{LR: 1e12}, ClipNorm: -1}
	res, err := Run(context.Background(), m, newSignTask(12), opts)
	var nf *NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v (%T), want a *NonFiniteError", err, err)
	}
	t.Logf("%v", err)
	if nf.Step < 1 || nf.Name == "" || !strings.Contains(err.Error(), "step ") || !strings.Contains(err.Error(), nf.Name) {
		t.Errorf("error %q does not name the step and the term or parameter", err)
	}
	if res == nil || res.Status != Failed {
		t.Fatalf("result %+v, want status failed", res)
	}
	m2, extra, err := rnn.Load(filepath.Join(dir, LastFile))
	if err != nil {
		t.Fatalf("the last checkpoint does not load: %v", err)
	}
	st, err := readState(extra)
	if err != nil {
		t.Fatal(err)
	}
	if st.Step >= nf.Step {
		t.Errorf("checkpoint at step %d, failure at step %d: the checkpoint must predate the failure", st.Step, nf.Step)
	}
	for _, p := range m2.Params() {
		for j, v := range p.Value.Data().([]float32) {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("checkpoint %s[%d] = %v", p.Name, j, v)
			}
		}
	}
	s, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil || !strings.Contains(string(s), `"status": "failed"`) {
		t.Errorf("summary.json: %v\n%s", err, s)
	}
}

func TestInterruptWritesCheckpoint(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := smallModel(t, 16, 4, nil)
	opts := Options{Steps: 100, BatchSize: 8, EvalEvery: 50, EvalTrials: 8,
		Recorders: append(RunFiles(dir), RecorderFunc(func(r Record) error {
			if r.Step == 5 {
				cancel()
			}
			return nil
		}))}
	res, err := Run(ctx, m, newSignTask(12), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Interrupted || res.Step != 5 {
		t.Fatalf("status %v at step %d, want interrupted at 5", res.Status, res.Step)
	}
	_, extra, err := rnn.Load(filepath.Join(dir, LastFile))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := readState(extra); err != nil || st.Step != 5 {
		t.Fatalf("checkpoint state %+v, %v; want step 5", st, err)
	}
	if h := readHistory(t, filepath.Join(dir, HistoryFile)); len(h) != 6 {
		t.Errorf("history has %d rows, want header + 5", len(h))
	}
}

// TestGradientsDoNotAccumulate: with every weight frozen (plasticity 0, no
// biases), two steps on the same batch must see the same gradient, and it
// must match finite differences of the loss (float64 model).
func TestGradientsDoNotAccumulateAndMatchFiniteDifferences(t *testing.T) {
	m := smallModel(t, 8, 5, func(c *rnn.Config) {
		c.DType = rnn.Float64
		c.Biases = rnn.Strings{"none"}
		c.Plasticity = rnn.Plasticities{{Value: 0}}
	})
	task := newSignTask(10)
	tr, err := newTrainer(m, task, Options{BatchSize: 4, ClipNorm: -1, Losses: []LossSpec{{Loss: MSE{}}, {Loss: FiringRate{}, Lambda: 0.1}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := tr.sample(task, 0)
	if err != nil {
		t.Fatal(err)
	}
	var tm Timing
	r1, _, err := tr.trainStep(0, b, nil, &tm)
	if err != nil {
		t.Fatal(err)
	}
	g1 := make([][]float64, len(tr.grads))
	for i := range g1 {
		g1[i] = append([]float64(nil), tr.grads[i]...)
	}
	r2, _, err := tr.trainStep(0, b, nil, &tm)
	if err != nil {
		t.Fatal(err)
	}
	if r1.Total != r2.Total || !reflect.DeepEqual(g1, tr.grads) {
		t.Fatalf("second step on the same batch: loss %v vs %v, gradients equal %v", r1.Total, r2.Total, reflect.DeepEqual(g1, tr.grads))
	}
	for i, p := range tr.params {
		w := p.Value.Data().([]float64)
		for _, j := range []int{0, len(w) / 2, len(w) - 1} {
			if g1[i][j] == 0 {
				continue
			}
			h := 1e-6
			w0 := w[j]
			w[j] = w0 + h
			rp, _, _ := tr.trainStep(0, b, nil, &tm)
			w[j] = w0 - h
			rm, _, _ := tr.trainStep(0, b, nil, &tm)
			w[j] = w0
			fd := (rp.Total - rm.Total) / (2 * h)
			if math.Abs(fd-g1[i][j]) > 1e-6*max(1e-3, math.Abs(fd)) {
				t.Errorf("d loss / d %s[%d]: trainer %v, finite differences %v", p.Name, j, g1[i][j], fd)
			}
		}
	}
	tr.close()
}

// TestPrefetchedNoiseEqualsSetInputs: the noise drawn ahead on the
// prefetching goroutine gives the same training, bit for bit, as letting
// rnn.Graph.SetInputs draw it.
func TestPrefetchedNoiseEqualsSetInputs(t *testing.T) {
	const steps = 8
	task := newSignTask(12)
	opts := Options{Steps: steps, BatchSize: 8, Seed: 4, EvalEvery: -1, Quiet: true}
	m1 := noisyModel(t)
	if _, err := Run(context.Background(), m1, task, opts); err != nil {
		t.Fatal(err)
	}
	m2 := noisyModel(t)
	tr, err := newTrainer(m2, task, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.close()
	var tm Timing
	for k := range steps {
		b, err := tr.sample(task, k)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := tr.trainStep(k, b, nil, &tm); err != nil {
			t.Fatal(err)
		}
	}
	for i, p := range m1.Params() {
		if !reflect.DeepEqual(p.Value.Data(), m2.Params()[i].Value.Data()) {
			t.Fatalf("%s differs between prefetched noise and SetInputs", p.Name)
		}
	}
}
