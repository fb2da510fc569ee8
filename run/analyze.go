package run

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/dale-rnn/dale/analysis"
	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/internal/figure"
	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/tasks"
)

// AnalysisDir is the folder of a run directory that Analyze writes.
const AnalysisDir = "analysis"

// Analyses are the analyses Analyze knows, in the order it runs them.
var Analyses = []string{"fixedpoints", "tdr", "lesions", "taskvariance"}

// TDRReport is the TDR of a run's network on fresh trials.
type TDRReport struct {
	Result *analysis.TDRResult
	// Steps is the common length of the trials analysed (the shortest
	// trial), from the trial's start.
	Steps int
	// Files are what was written.
	Files []string
}

// tdrVariables are the regressors TDR uses for a task: the network's
// choice (±1) and the task's condition variables, in Mante et al.'s order.
var tdrVariables = map[string][]string{
	"ctxdm":        {"choice", "signed_coherence1", "signed_coherence2", "context"},
	"pdm":          {"choice", "signed_coherence"},
	"multisensory": {"choice", "signed_coherence", "modality"},
}

// TDR runs targeted dimensionality reduction (analysis.TDR) on the
// network m's rates over the trials of ev (fresh trials of d's task): the
// regressors are the network's own choice (±1, as Mante et al. used the
// monkey's) and the task's variables; conditions are choice × each
// variable's values (context × choice × coherence of each modality for
// ctxdm). It writes tdr.npz and the projection figures into out.
func (d *Dir) TDR(ev *Evaluation, out string) (*TDRReport, error) {
	names, ok := tdrVariables[d.Task.Name()]
	if !ok {
		return nil, config.Errorf("--what = tdr is not allowed: task %q has no task variables for TDR (tasks with them: %s)", d.Task.Name(), strings.Join(sortedKeys(tdrVariables), ", "))
	}
	b, res, sc := ev.Batch(), ev.Result(), ev.Score()
	n := res.Rates
	N := len(n) / (b.Size * b.Steps)
	S := b.Steps
	for _, tr := range b.Trials {
		S = min(S, tr.Steps)
	}
	// Rates of the common window [0, S).
	rates := make([]float32, b.Size*S*N)
	for k := range b.Size {
		copy(rates[k*S*N:(k+1)*S*N], n[k*b.Steps*N:(k*b.Steps+S)*N])
	}
	in := analysis.TDRInput{Rates: rates, Trials: b.Size, Steps: S, N: N, Names: names, Values: make([][]float64, len(names)),
		Condition: make([]int, b.Size)}
	for v, name := range names {
		in.Values[v] = make([]float64, b.Size)
		for k, tr := range b.Trials {
			if name == "choice" {
				c := 1.0
				if k < len(sc.PerTrial) && sc.PerTrial[k].Chosen != 0 {
					c = -1
				}
				in.Values[v][k] = c
				continue
			}
			x, ok := tr.Conditions[name]
			if !ok {
				return nil, fmt.Errorf("tdr: trial %d of task %q has no condition %q", k, d.Task.Name(), name)
			}
			if name == "context" {
				x = 2*x - 3 // contexts 1, 2 → −1, +1
			}
			in.Values[v][k] = x
		}
	}
	// Conditions: every combination of the variables' values.
	keys := map[string]int{}
	for k := range b.Size {
		var parts []string
		for v, name := range names {
			parts = append(parts, fmt.Sprintf("%s %g", name, in.Values[v][k]))
		}
		key := strings.Join(parts, ", ")
		c, ok := keys[key]
		if !ok {
			c = len(in.ConditionNames)
			keys[key] = c
			in.ConditionNames = append(in.ConditionNames, key)
		}
		in.Condition[k] = c
	}
	tdr, err := analysis.TDR(in, analysis.TDROptions{})
	if err != nil {
		return nil, err
	}
	rep := &TDRReport{Result: tdr, Steps: S}
	// Each condition's values, for numpy.
	C := len(in.ConditionNames)
	condVals := make([]float64, C*len(names))
	for k := range b.Size {
		for v := range names {
			condVals[in.Condition[k]*len(names)+v] = in.Values[v][k]
		}
	}
	V := len(names)
	namesJSON, _ := json.Marshal(names)
	path := filepath.Join(out, "tdr.npz")
	if err := npz.Write(path,
		npz.Array{Name: "axes", Shape: []int{N, V}, Data: tdr.Axes},
		npz.Array{Name: "raw", Shape: []int{N, V}, Data: tdr.Raw},
		npz.Array{Name: "tmax", Shape: []int{V}, Data: toI64(tdr.TMax)},
		npz.Array{Name: "norm", Shape: []int{V}, Data: tdr.Norm},
		npz.Array{Name: "projections", Shape: []int{C, S, V}, Data: tdr.Projections},
		npz.Array{Name: "counts", Shape: []int{C}, Data: toI64(tdr.Counts)},
		npz.Array{Name: "condition_values", Shape: []int{C, V}, Data: condVals},
		npz.Array{Name: "variables_json", Shape: []int{len(namesJSON)}, Data: namesJSON},
		npz.Array{Name: "dt", Shape: []int{1}, Data: []float64{d.Task.DT()}},
	); err != nil {
		return nil, err
	}
	rep.Files = append(rep.Files, path)
	figs, err := tdrFigures(out, d.Task.Name(), tdr, names, condVals, S, V)
	rep.Files = append(rep.Files, figs...)
	return rep, err
}

// tdrFigures draws Mante et al.'s Fig. 2 layout: per context, the
// condition-averaged trajectories in the plane of the choice axis and each
// modality's axis, coloured by that modality's signed coherence (the
// averages over the other modality's values), choice +1 and −1 apart.
func tdrFigures(out, task string, tdr *analysis.TDRResult, names []string, condVals []float64, S, V int) ([]string, error) {
	idx := func(name string) int { return slices.Index(names, name) }
	choice := idx("choice")
	var files []string
	type panel struct {
		title    string
		axis     int
		ctx      float64
		useCtx   bool
		relevant bool
	}
	var panels []panel
	if task == "ctxdm" {
		for _, cx := range []float64{-1, 1} {
			for m, name := range []string{"signed_coherence1", "signed_coherence2"} {
				rel := (cx < 0) == (m == 0)
				word := "irrelevant"
				if rel {
					word = "relevant"
				}
				panels = append(panels, panel{fmt.Sprintf("context %d: modality %d (%s)", int((cx+3)/2), m+1, word), idx(name), cx, true, rel})
			}
		}
	} else {
		for v, name := range names {
			if v != choice && name != "context" {
				panels = append(panels, panel{title: name, axis: v})
			}
		}
	}
	for pi, p := range panels {
		// Average the projections over the conditions sharing (choice,
		// this axis's value), weighted by trial counts.
		type key struct{ choice, value float64 }
		sums := map[key][]float64{}
		weights := map[key]float64{}
		for c := range len(condVals) / V {
			if p.useCtx && condVals[c*V+idx("context")] != p.ctx {
				continue
			}
			w := float64(tdr.Counts[c])
			if w == 0 {
				continue
			}
			k := key{condVals[c*V+choice], condVals[c*V+p.axis]}
			if sums[k] == nil {
				sums[k] = make([]float64, 2*S)
			}
			for s := range S {
				sums[k][s] += w * tdr.Projections[(c*S+s)*V+choice]
				sums[k][S+s] += w * tdr.Projections[(c*S+s)*V+p.axis]
			}
			weights[k] += w
		}
		var ks []key
		for k := range sums {
			ks = append(ks, k)
		}
		sort.Slice(ks, func(i, j int) bool {
			if ks[i].choice != ks[j].choice {
				return ks[i].choice < ks[j].choice
			}
			return ks[i].value < ks[j].value
		})
		var trajs []figure.Trajectory
		for _, k := range ks {
			x, y := make([]float64, S), make([]float64, S)
			for s := range S {
				x[s] = sums[k][s] / weights[k]
				y[s] = sums[k][S+s] / weights[k]
			}
			trajs = append(trajs, figure.Trajectory{X: x, Y: y, Condition: k.value})
		}
		if len(trajs) == 0 {
			continue
		}
		path := filepath.Join(out, fmt.Sprintf("tdr_%d.png", pi+1))
		if err := figure.Trajectories(path, figure.TrajectoriesPlot{
			Title:  "TDR: " + p.title,
			XLabel: "choice axis", YLabel: names[p.axis] + " axis", ConditionName: names[p.axis],
			Trajectories: trajs,
		}); err != nil {
			return files, fmt.Errorf("figure %s: %v", filepath.Base(path), err)
		}
		files = append(files, path)
	}
	return files, nil
}

// LesionResult is one lesion's effect on the task's measures.
type LesionResult struct {
	Lesion   analysis.Lesion
	Label    string
	Removed  int // synapses removed (recurrent and readout)
	Measures map[string]float64
	// Delta is Measures minus the intact network's, by name.
	Delta map[string]float64
}

// DefaultLesions are the lesions Lesions runs without a list: each area
// silenced, and each class of inter-area projection removed (the four
// inter_area_connections switches), when the network has areas.
func (d *Dir) DefaultLesions() []analysis.Lesion {
	if d.Mask == nil || len(d.Mask.Areas()) < 2 {
		return nil
	}
	var ls []analysis.Lesion
	for a := range d.Mask.Areas() {
		ls = append(ls, analysis.Lesion{Areas: []int{a}})
	}
	for _, p := range analysis.Projections {
		ls = append(ls, analysis.Lesion{Projection: p})
	}
	return ls
}

// Lesions re-evaluates m with each lesion on the fresh trials of intact
// (m's own evaluation, d.Fresh(m, seed, trials)), so every lesion and the
// intact network see the same trials, and reports the change in the
// task's measures; it writes lesions.json and a bar chart into out.
func (d *Dir) Lesions(m *rnn.Model, intact *Evaluation, lesions []analysis.Lesion, seed uint64, trials int, out string) ([]LesionResult, []string, error) {
	if len(lesions) == 0 {
		return nil, nil, fmt.Errorf("lesions: the network has no areas and no lesion was given (--units)")
	}
	base := intact.Score().Measures
	var areas [][]int
	if d.Mask != nil {
		for _, a := range d.Mask.Areas() {
			areas = append(areas, a.Indices)
		}
	}
	dims := m.Dims()
	exc := m.MasksInUse().Excitatory(dims[1])
	var results []LesionResult
	for _, l := range lesions {
		keep, err := l.Keep(dims[1], dims[2], exc, areas)
		if err != nil {
			return nil, nil, err
		}
		removed := 0
		cur := m.MasksInUse()
		for i, k := range keep.Hidden {
			if k == 0 && cur.Hidden != nil && cur.Hidden[i] != 0 {
				removed++
			}
		}
		for i, k := range keep.Readout {
			if k == 0 && cur.Readout != nil && cur.Readout[i] != 0 {
				removed++
			}
		}
		lm, err := m.Lesioned(keep)
		if err != nil {
			return nil, nil, err
		}
		ev, err := d.Fresh(lm, seed, trials)
		if err != nil {
			return nil, nil, err
		}
		r := LesionResult{Lesion: l, Label: l.Label(), Removed: removed, Measures: ev.Score().Measures, Delta: map[string]float64{}}
		for k, v := range r.Measures {
			if b, ok := base[k]; ok {
				r.Delta[k] = v - b
			}
		}
		results = append(results, r)
	}
	all := append([]LesionResult{{Label: "intact", Measures: base, Delta: map[string]float64{}}}, results...)
	files := []string{filepath.Join(out, "lesions.json")}
	if err := WriteJSON(files[0], all); err != nil {
		return nil, nil, err
	}
	measure := d.Task.Target().Measure
	var labels []string
	var vals []float64
	for _, r := range all {
		v, ok := r.Measures[measure]
		if !ok || math.IsNaN(v) {
			continue
		}
		labels = append(labels, r.Label)
		vals = append(vals, v)
	}
	if len(vals) > 0 {
		p := filepath.Join(out, "lesions.png")
		if err := figure.Bars(p, figure.BarsPlot{Title: "Lesions: " + d.Task.Name() + " " + measure + " on fresh trials", YLabel: measure, Labels: labels, Values: vals}); err != nil {
			return results, files, fmt.Errorf("figure lesions.png: %v", err)
		}
		files = append(files, p)
	}
	return results, files, nil
}

func toI64(x []int) []int64 {
	out := make([]int64, len(x))
	for i, v := range x {
		out[i] = int64(v)
	}
	return out
}

// AnalyzeOptions say what Analyze does.
type AnalyzeOptions struct {
	// What lists analyses by name (Analyses); empty: every one the task
	// and network allow (fixed points always; TDR for tasks with task
	// variables; lesions for networks with areas or given Lesions).
	What []string
	// Input is the constant input of the fixed points (one value per
	// input channel); nil: per context, the mean input over the stimulus
	// period for tasks with contexts, else zeros.
	Input []float64
	// Lesions are lesions to run besides DefaultLesions.
	Lesions []analysis.Lesion
	// Seed and Trials choose the fresh trials (trajectories for the
	// fixed points' initial states, TDR's data, lesion evaluations).
	Seed   uint64
	Trials int
}

// AnalysisReport is what Analyze did.
type AnalysisReport struct {
	FixedPoints  []*FixedPointsReport
	TDR          *TDRReport
	Lesions      []LesionResult
	TaskVariance *TaskVarianceReport
	// Summary is one line per result, for printing.
	Summary []string
	// Files are the files written; Warnings are figures that could not be
	// drawn.
	Files    []string
	Warnings []string
}

// plan returns the analyses opts asks for.
func (d *Dir) plan(opts AnalyzeOptions) []string {
	if len(opts.What) > 0 {
		return opts.What
	}
	list := []string{"fixedpoints"}
	if _, ok := d.Task.(*tasks.Multitask); ok {
		// Yang et al. 2019's analysis; one constant input would mix
		// the rules.
		list = []string{"taskvariance"}
	}
	if _, ok := tdrVariables[d.Task.Name()]; ok {
		list = append(list, "tdr")
	}
	if len(d.DefaultLesions()) > 0 || len(opts.Lesions) > 0 {
		list = append(list, "lesions")
	}
	return list
}

// CheckAnalyze checks opts against the run before anything is computed or
// written: known analyses, an input of the network's width, lesions that
// fit the network, a task with TDR's variables when TDR is asked for.
func (d *Dir) CheckAnalyze(m *rnn.Model, opts AnalyzeOptions) error {
	dims := m.Dims()
	for _, w := range d.plan(opts) {
		switch w {
		case "fixedpoints":
			if opts.Input != nil && len(opts.Input) != dims[0] {
				return config.Errorf("--input = %d values is not allowed: the network of task %q has %d input channels", len(opts.Input), d.Task.Name(), dims[0])
			}
		case "tdr":
			if _, ok := tdrVariables[d.Task.Name()]; !ok {
				return config.Errorf("--what = tdr is not allowed: task %q has no task variables for TDR (tasks with them: %s)", d.Task.Name(), strings.Join(sortedKeys(tdrVariables), ", "))
			}
		case "taskvariance":
			if _, ok := d.Task.(*tasks.Multitask); !ok {
				return config.Errorf("--what = taskvariance is not allowed: task %q is not a multitask (yang20)", d.Task.Name())
			}
		case "lesions":
			if len(d.DefaultLesions()) == 0 && len(opts.Lesions) == 0 {
				return config.Errorf("--what = lesions is not allowed: the network has no areas; name units to silence with --units")
			}
			var areas [][]int
			if d.Mask != nil {
				for _, a := range d.Mask.Areas() {
					areas = append(areas, a.Indices)
				}
			}
			exc := m.MasksInUse().Excitatory(dims[1])
			for _, l := range opts.Lesions {
				if _, err := l.Keep(dims[1], dims[2], exc, areas); err != nil {
					return err
				}
			}
		default:
			return config.Errorf("--what = %q is not allowed: must be one of %s", w, strings.Join(Analyses, ", "))
		}
	}
	if opts.Trials <= 0 || opts.Trials > MaxFreshTrials {
		return invalid("trials", opts.Trials, "must be in [1, %d]", MaxFreshTrials)
	}
	return d.checkFreshMemory(m, opts.Trials)
}

// Analyze runs the analyses of opts on m with fresh trials of d's task
// and writes their arrays (numpy .npz) and figures into out.
func (d *Dir) Analyze(m *rnn.Model, out string, opts AnalyzeOptions) (*AnalysisReport, error) {
	if err := d.CheckAnalyze(m, opts); err != nil {
		return nil, err
	}
	ev, err := d.Fresh(m, opts.Seed, opts.Trials)
	if err != nil {
		return nil, err
	}
	rep := &AnalysisReport{}
	for _, w := range d.plan(opts) {
		switch w {
		case "fixedpoints":
			fps, files, err := d.FixedPoints(m, ev, opts.Input, out)
			rep.Files = append(rep.Files, files...)
			if err != nil {
				return rep, err
			}
			rep.FixedPoints = fps
			for _, fp := range fps {
				rep.Summary = append(rep.Summary, fp.Summary())
			}
		case "tdr":
			t, err := d.TDR(ev, out)
			if t != nil {
				rep.Files = append(rep.Files, t.Files...)
			}
			if err != nil && t == nil {
				// A network that always makes the same choice (an untrained
				// one, say) gives TDR nothing to regress on: the other
				// analyses still run.
				rep.Warnings = append(rep.Warnings, "tdr skipped: "+err.Error())
				continue
			}
			if err != nil {
				rep.Warnings = append(rep.Warnings, err.Error())
			}
			rep.TDR = t
			r := t.Result
			var parts []string
			for v, name := range r.Names {
				parts = append(parts, fmt.Sprintf("%s at %g ms (norm %.3g)", name, float64(r.TMax[v])*d.Task.DT(), r.Norm[v]))
			}
			rep.Summary = append(rep.Summary, fmt.Sprintf("tdr: axes %s; the denoising PCs keep %.0f %% of the condition-averaged variance", strings.Join(parts, ", "), 100*r.Explained))
		case "taskvariance":
			per := max(64, opts.Trials/20)
			tv, err := d.TaskVariance(m, opts.Seed, per, out)
			if tv != nil {
				rep.Files = append(rep.Files, tv.Files...)
			}
			if err != nil {
				if tv != nil && strings.HasPrefix(err.Error(), "figure ") {
					rep.Warnings = append(rep.Warnings, err.Error())
				} else {
					return rep, err
				}
			}
			rep.TaskVariance = tv
			rep.Summary = append(rep.Summary, tv.Summary())
		case "lesions":
			ls := append(d.DefaultLesions(), opts.Lesions...)
			res, files, err := d.Lesions(m, ev, ls, opts.Seed, opts.Trials, out)
			rep.Files = append(rep.Files, files...)
			if err != nil {
				if strings.HasPrefix(err.Error(), "figure ") {
					rep.Warnings = append(rep.Warnings, err.Error())
				} else {
					return rep, err
				}
			}
			rep.Lesions = res
			measure := d.Task.Target().Measure
			base := ev.Score().Measures[measure]
			rep.Summary = append(rep.Summary, fmt.Sprintf("lesions: intact %s %.3f", measure, base))
			for _, r := range res {
				rep.Summary = append(rep.Summary, fmt.Sprintf("lesion %s (%d synapses): %s %.3f (%+.3f)", r.Label, r.Removed, measure, r.Measures[measure], r.Delta[measure]))
			}
		}
	}
	return rep, nil
}
