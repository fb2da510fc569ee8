package run

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/internal/memlimit"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/tasks"
	"github.com/dale-rnn/dale/train"
)

// MemoryPart is one part of what a run allocates, with the setting that
// sizes it.
type MemoryPart struct {
	Phase string // "training" or "report"
	What  string // "model and optimiser state", "training graphs", ...
	Field string // the run config's field that sizes it most: "hidden_size", "train.batch_size", ...
	Value string
	Bytes int64
}

// Memory estimates what training r and reporting it allocate at their
// peak, without allocating: the model with its optimiser state
// (rnn.Config.ModelBytes), the training graphs (rnn.Config.GraphBytes: one
// per batch length, up to train.MaxGraphs), the batches and noise in flight, the evaluation
// trials and their graph, and the final report, which runs every
// evaluation trial through one graph and keeps its outputs, rates and
// potentials. Training and the report do not overlap, so the peak is the
// larger of the two phases; the parts of both are returned, by phase.
func (r *Resolved) Memory() (int64, []MemoryPart) {
	steps := r.maxSteps()
	d := r.Model.Dims
	in, n, out := int64(d[0]), int64(d[1]), int64(d[2])
	b, e := int64(r.Train.BatchSize), int64(r.Train.EvalTrials)
	T := int64(steps)
	mul := func(xs ...int64) int64 {
		p := int64(1)
		for _, x := range xs {
			if x <= 0 {
				return 0
			}
			if p > (1<<62)/x {
				return 1 << 62
			}
			p *= x
		}
		return p
	}
	add := func(xs ...int64) int64 {
		s := int64(0)
		for _, x := range xs {
			s += x
			if s > 1<<62 {
				return 1 << 62
			}
		}
		return s
	}
	hidden := fmt.Sprint(d[1])
	batchStr, evalStr := fmt.Sprint(r.Train.BatchSize), fmt.Sprint(r.Train.EvalTrials)
	model := MemoryPart{"", "model and optimiser state", "hidden_size", hidden, r.Model.ModelBytes()}
	// A batch holds inputs, targets and the loss mask as float32.
	batchBytes := func(trials int64) int64 { return mul(trials, T, in+2*out, 4) }
	noise := int64(0)
	if r.Model.PreactNoise > 0 {
		noise++
	}
	if r.Model.PostactNoise > 0 {
		noise++
	}
	evalGraph := r.Model.GraphBytes(int(min(b, e)), steps, false)
	const tr, rp = "training", "report"
	mt, mr := model, model
	mt.Phase, mr.Phase = tr, rp
	training := []MemoryPart{
		mt,
		{tr, "training graphs", "train.batch_size", batchStr, r.trainGraphBytes(int(b))},
		{tr, "batches and noise in flight", "train.batch_size", batchStr, add(mul(3, batchBytes(b)), mul(2, noise, b, T, n, 8))},
		{tr, "evaluation trials", "train.eval_trials", evalStr, add(batchBytes(e), evalGraph)},
	}
	report := []MemoryPart{
		mr,
		{rp, "report over the evaluation trials", "train.eval_trials", evalStr,
			add(mul(2, batchBytes(e)), r.Model.GraphBytes(int(e), steps, false), mul(e, T, out+2*n, 4))},
	}
	sum := func(ps []MemoryPart) int64 {
		s := int64(0)
		for _, p := range ps {
			s = add(s, p.Bytes)
		}
		return s
	}
	return max(sum(training), sum(report)), append(training, report...)
}

// CheckMemory refuses a run that would need more memory than this process
// may allocate (internal/memlimit: the cgroup limit, ulimit -v or the
// machine's available memory, whichever is smallest), with an error that
// names the setting of its largest part, says how much it would need and
// what each part takes. Train and Resume call it before they write
// anything.
func (r *Resolved) CheckMemory() error {
	need, all := r.Memory()
	avail, source := memlimit.Available()
	if need <= avail {
		return nil
	}
	// The parts of the phase that peaks.
	var parts []MemoryPart
	for _, ph := range []string{"training", "report"} {
		var ps []MemoryPart
		s := int64(0)
		for _, p := range all {
			if p.Phase == ph {
				ps = append(ps, p)
				s += p.Bytes
			}
		}
		if s >= need {
			parts = ps
			break
		}
	}
	big := parts[0]
	var list []string
	for _, p := range parts {
		if p.Bytes > big.Bytes {
			big = p
		}
		list = append(list, fmt.Sprintf("%s %s", p.What, memlimit.Format(p.Bytes)))
	}
	if steps := r.maxSteps(); steps > longTrial {
		// Every part grows with the trial's length: the task's timing is
		// what to change.
		big = MemoryPart{Field: "task.params.timing", Value: fmt.Sprintf("trials of up to %d steps (%g s)", steps, float64(steps)*r.Task.DT()/1000)}
	}
	return config.Errorf("%s = %s is not allowed: the run would need about %s (%s, for trials of up to %d steps), and %s is available (%s)",
		big.Field, big.Value, memlimit.Format(need), strings.Join(list, ", "), r.maxSteps(), memlimit.Format(avail), source)
}

// trainGraphBytes is what the training graphs a run keeps take: one per
// batch length its task and stages can give (TrainSteps where a task says,
// else its longest trial), the longest train.MaxGraphs of them.
func (r *Resolved) trainGraphBytes(batch int) int64 {
	var lens []int
	for _, t := range append([]tasks.Task{r.Task}, r.Stages...) {
		if k, ok := t.(interface{ TrainSteps() []int }); ok {
			lens = append(lens, k.TrainSteps()...)
		} else {
			lens = append(lens, taskSteps(t))
		}
	}
	slices.Sort(lens)
	lens = slices.Compact(lens)
	slices.Reverse(lens)
	total := int64(0)
	for _, s := range lens[:min(len(lens), train.MaxGraphs)] {
		total += r.Model.GraphBytes(batch, s, true)
		if total > 1<<62 {
			return 1 << 62
		}
	}
	return total
}

// longTrial is the trial length (in steps) beyond which a run too large
// for memory is blamed on the task's timing.
const longTrial = 100000

// maxSteps is the longest trial of the task and its curriculum stages.
func (r *Resolved) maxSteps() int {
	steps := 0
	for _, t := range append([]tasks.Task{r.Task}, r.Stages...) {
		steps = max(steps, taskSteps(t))
	}
	return steps
}

func taskSteps(t tasks.Task) int {
	if k, ok := t.(interface{ MaxSteps() int }); ok {
		return k.MaxSteps()
	}
	if b, err := t.Sample(rand.New(rand.NewPCG(1, 1)), 1); err == nil {
		return b.Steps
	}
	return 0
}

// checkFreshMemory refuses fresh trials that would not fit: trials of the
// task through one graph, keeping outputs, rates and potentials.
func (d *Dir) checkFreshMemory(m *rnn.Model, trials int) error {
	steps := int64(taskSteps(d.Task))
	dims := m.Dims()
	in, n, out := int64(dims[0]), int64(dims[1]), int64(dims[2])
	need := d.Model.GraphBytes(trials, int(steps), false)
	per := steps * (2*(in+2*out) + out + 2*n) * 4
	if per > 0 && int64(trials) > (1<<62)/per {
		need = 1 << 62
	} else {
		need += int64(trials) * per
	}
	return memlimit.Check(need, fmt.Sprintf("--trials = %d", trials))
}
