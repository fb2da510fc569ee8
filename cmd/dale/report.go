package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/internal/analysis"
	"github.com/dale-rnn/dale/internal/figure"
	"github.com/dale-rnn/dale/internal/npz"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/tasks"
)

// metrics is what metrics.json holds: how the network does on a set of
// trials.
type metrics struct {
	Task           string                 `json:"task"`
	Checkpoint     string                 `json:"checkpoint"`
	Trials         int                    `json:"trials"`
	Seed           uint64                 `json:"seed"`
	Accuracy       *float64               `json:"accuracy,omitempty"` // choice tasks only
	Chance         *float64               `json:"chance,omitempty"`   // choice tasks only
	FixationBreaks float64                `json:"fixation_breaks"`
	MSE            float64                `json:"mse"`
	Error          *float64               `json:"error,omitempty"`
	ErrorName      string                 `json:"error_name,omitempty"`
	ByCondition    []tasks.ConditionScore `json:"by_condition"`
	Psychometric   []tasks.Curve          `json:"psychometric,omitempty"`
	// IdealObserver scores, on the same trials, an observer of the noisy
	// inputs (pdm, ctxdm, multisensory, romo): the ceiling to compare with.
	IdealObserver *idealScore     `json:"ideal_observer,omitempty"`
	Training      json.RawMessage `json:"training,omitempty"`
	// NoAnswer counts the trials with no correct answer (pdm at 0 %),
	// left out of accuracy and by_condition.
	NoAnswer int `json:"no_answer"`
	// Measures holds every measure of the task's Score, by name.
	Measures map[string]float64 `json:"measures"`
	// Target is the task's acceptance target and whether it is met.
	Target targetResult `json:"target"`
}

// targetResult is a task's target (tasks.Target) and whether the
// network meets it.
type targetResult struct {
	Measure        string  `json:"measure"`
	Value          float64 `json:"value"`
	HigherIsBetter bool    `json:"higher_is_better"`
	Met            bool    `json:"met"`
}

type idealScore struct {
	Accuracy    float64                `json:"accuracy"`
	ByCondition []tasks.ConditionScore `json:"by_condition"`
}

// concat joins batches of one task into one, padding to the longest trial
// (padding has mask 0).
func concat(bs []*batch.Batch) (*batch.Batch, error) {
	if len(bs) == 1 {
		return bs[0], nil
	}
	size, steps := 0, 0
	for _, b := range bs {
		size += b.Size
		steps = max(steps, b.Steps)
	}
	out, err := batch.New(size, steps, bs[0].In, bs[0].Out)
	if err != nil {
		return nil, err
	}
	out.Trials = make([]batch.Trial, 0, size)
	row := 0
	for _, b := range bs {
		for i := 0; i < b.Size; i++ {
			for t := 0; t < b.Steps; t++ {
				copy(out.Inputs[out.At(row, t, 0, out.In):][:out.In], b.Inputs[b.At(i, t, 0, b.In):][:b.In])
				copy(out.Targets[out.At(row, t, 0, out.Out):][:out.Out], b.Targets[b.At(i, t, 0, b.Out):][:b.Out])
				copy(out.Mask[out.At(row, t, 0, out.Out):][:out.Out], b.Mask[b.At(i, t, 0, b.Out):][:b.Out])
			}
			if b.Trials != nil {
				out.Trials = append(out.Trials, b.Trials[i])
			} else {
				out.Trials = append(out.Trials, batch.Trial{Steps: b.Steps, Choice: -1})
			}
			row++
		}
	}
	return out, nil
}

// evaluation is a model run on a set of trials, with its score.
type evaluation struct {
	b     *batch.Batch
	res   *rnn.Result
	score tasks.Score
	psy   []tasks.Curve
	ideal *idealScore // nil for tasks without an ideal observer
	// target is the task's acceptance target.
	target tasks.Target
}

func evaluate(m *rnn.Model, task tasks.Task, bs []*batch.Batch) (*evaluation, error) {
	b, err := concat(bs)
	if err != nil {
		return nil, err
	}
	res, err := m.Forward(b.Inputs, b.Size, b.Steps)
	if err != nil {
		return nil, err
	}
	s, err := task.Score(b, res.Outputs)
	if err != nil {
		return nil, err
	}
	ev := &evaluation{b: b, res: res, score: s, target: task.Target()}
	if io, err := tasks.IdealObserver(task, b); err == nil {
		ev.ideal = &idealScore{Accuracy: io.Accuracy, ByCondition: io.ByCondition}
	}
	if s.Kind == "choice" {
		// Not every choice task has a signed-evidence axis; a task without
		// one simply has no psychometric curve.
		if psy, err := tasks.Psychometrics(task, b, s); err == nil {
			ev.psy = psy
		}
	}
	return ev, nil
}

func (ev *evaluation) metrics(task string, checkpoint string, seed uint64) metrics {
	s := ev.score
	mt := metrics{
		Task: task, Checkpoint: checkpoint, Trials: s.Trials, Seed: seed,
		FixationBreaks: s.FixationBreaks, MSE: s.MSE,
		ByCondition: s.ByCondition, Psychometric: ev.psy, IdealObserver: ev.ideal,
		NoAnswer: s.NoAnswer, Measures: s.Measures,
		Target: targetResult{Measure: ev.target.Measure, Value: ev.target.Value, HigherIsBetter: ev.target.HigherIsBetter, Met: ev.target.Met(s)},
	}
	if mt.Measures == nil {
		mt.Measures = map[string]float64{}
	}
	if s.Kind == "continuous" {
		e := s.Error
		mt.Error, mt.ErrorName = &e, s.ErrorName
	} else {
		acc, chance := s.Accuracy, s.Chance
		mt.Accuracy, mt.Chance = &acc, &chance
	}
	if mt.ByCondition == nil {
		mt.ByCondition = []tasks.ConditionScore{}
	}
	return mt
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return npz.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// psychometricFigure draws the curves of an evaluation.
func psychometricFigure(path string, curves []tasks.Curve) error {
	var conds []figure.PsychometricCondition
	for _, c := range curves {
		var pc figure.PsychometricCondition
		pc.Name = c.Label
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range c.Points {
			pc.Evidence = append(pc.Evidence, p.X)
			pc.PRight = append(pc.PRight, p.PChoice)
			pc.N = append(pc.N, p.Trials)
			lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
		}
		if len(c.Points) == 0 {
			continue
		}
		fit := c.Fit
		for i := 0; i <= 100; i++ {
			x := lo + (hi-lo)*float64(i)/100
			pc.FitX = append(pc.FitX, x)
			pc.FitY = append(pc.FitY, 0.5*math.Erfc(-fit.Slope*(x-fit.Bias)/math.Sqrt2))
		}
		conds = append(conds, pc)
	}
	if len(conds) == 0 {
		return nil
	}
	return figure.Psychometric(path, figure.PsychometricPlot{
		Title:      "Psychometric curve",
		XLabel:     strings.ReplaceAll(curves[0].Evidence, "_", " "),
		YLabel:     "P(choice 1)",
		Conditions: conds,
	})
}

// runFigures draws every figure of a run directory's figures/ folder.
func runFigures(dir string, m *rnn.Model, task tasks.Task, ev *evaluation, areas []int) ([]string, error) {
	fdir := filepath.Join(dir, "figures")
	if err := os.MkdirAll(fdir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	add := func(name string, err error) error {
		if err != nil {
			return fmt.Errorf("figure %s: %v", name, err)
		}
		if _, serr := os.Stat(filepath.Join(fdir, name)); serr == nil {
			paths = append(paths, filepath.Join(fdir, name))
		}
		return nil
	}
	p := func(name string) string { return filepath.Join(fdir, name) }

	// Loss and accuracy curves from history.csv.
	if series, acc, err := readHistory(filepath.Join(dir, "history.csv")); err == nil {
		if err := add("loss.png", figure.LinesWith(p("loss.png"), figure.LinesPlot{
			Title: "Training loss", XLabel: "step", YLabel: "loss", Series: series, LogY: positive(series),
		})); err != nil {
			return nil, err
		}
		if len(acc.X) > 0 {
			if err := add("accuracy.png", figure.LinesWith(p("accuracy.png"), figure.LinesPlot{
				Title: "Evaluation accuracy", XLabel: "step", YLabel: "accuracy", Series: []figure.Series{acc}, YMin: 0, YMax: 1,
			})); err != nil {
				return nil, err
			}
		}
	}
	if err := add("psychometric.png", psychometricFigure(p("psychometric.png"), ev.psy)); err != nil {
		return nil, err
	}

	dims := m.Dims()
	in, hid, out := dims[0], dims[1], dims[2]
	masks := m.MasksInUse()
	signed := m.Dale()
	for _, l := range []struct {
		name       string
		data       []float64
		rows, cols int
		rl, cl     []int
	}{
		{"mask_input.png", masks.Input, in, hid, nil, areas},
		{"mask_hidden.png", masks.Hidden, hid, hid, areas, areas},
		{"mask_readout.png", masks.Readout, hid, out, areas, nil},
	} {
		f, err := figure.SignedMask(grid{l.data, l.rows, l.cols}, figure.MaskOptions{
			Title: fmt.Sprintf("%s mask (%d×%d, pre × post)", l.name[5:len(l.name)-4], l.rows, l.cols), RowLines: l.rl, ColLines: l.cl, Unsigned: !signed,
		})
		if err == nil {
			err = f.SavePNG(p(l.name), 700, 600)
		}
		if err := add(l.name, err); err != nil {
			return nil, err
		}
	}

	win, wrec, wout := m.Effective()
	excit := excitatory(masks.Hidden, hid)
	var hist []figure.HistSeries
	for _, l := range []struct {
		name       string
		w          []float64
		rows, cols int
		rl, cl     []int
	}{
		{"input", dense64(win), in, hid, nil, areas},
		{"hidden", dense64(wrec), hid, hid, areas, areas},
		{"readout", dense64(wout), hid, out, areas, nil},
	} {
		name := "weights_" + l.name + ".png"
		lim := 0.0
		for _, v := range l.w {
			lim = math.Max(lim, math.Abs(v))
		}
		if lim == 0 {
			lim = 1
		}
		f, err := figure.HeatMap(grid{l.w, l.rows, l.cols}, figure.HeatMapOptions{
			Title:  fmt.Sprintf("Effective %s weights (pre × post)", l.name),
			XLabel: "post", YLabel: "pre", Min: -lim, Max: lim, RowLines: l.rl, ColLines: l.cl,
		})
		if err == nil {
			err = f.SavePNG(p(name), 700, 600)
		}
		if err := add(name, err); err != nil {
			return nil, err
		}
		if l.name != "input" {
			if e, i, err := analysis.SplitBySender(l.w, l.rows, l.cols, excit); err == nil {
				hist = append(hist, figure.HistSeries{Name: l.name + " from E", Values: e}, figure.HistSeries{Name: l.name + " from I", Values: i})
			}
		}
	}
	var nonEmpty []figure.HistSeries
	for _, h := range hist {
		if len(h.Values) > 0 {
			nonEmpty = append(nonEmpty, h)
		}
	}
	if len(nonEmpty) > 0 {
		if err := add("weights_hist.png", figure.Histogram(p("weights_hist.png"), figure.HistogramPlot{
			Title: "Effective weights by sender type (absent synapses left out)", XLabel: "weight",
			Series: nonEmpty, Panels: true, SkipZeros: true,
		})); err != nil {
			return nil, err
		}
	}
	if eig, err := analysis.Eigenvalues(dense64(wrec), hid); err == nil {
		if err := add("spectrum.png", figure.Spectrum(p("spectrum.png"), "Eigenvalues of the effective recurrent matrix", eig)); err != nil {
			return nil, err
		}
	}
	if err := add("trials.png", trialsFigure(p("trials.png"), task, ev, 4)); err != nil {
		return nil, err
	}
	if err := add("pca.png", pcaFigure(p("pca.png"), task, ev, dims[1])); err != nil {
		return nil, err
	}
	return paths, nil
}

func positive(series []figure.Series) bool {
	for _, s := range series {
		for _, y := range s.Y {
			if !(y > 0) {
				return false
			}
		}
	}
	return true
}

// grid adapts a row-major matrix to figure.Grid.
type grid struct {
	d          []float64
	rows, cols int
}

func (g grid) Dims() (int, int)    { return g.rows, g.cols }
func (g grid) At(i, j int) float64 { return g.d[i*g.cols+j] }
func dense64(t interface{ Data() any }) []float64 {
	switch d := t.Data().(type) {
	case []float32:
		return f64(d)
	case []float64:
		return append([]float64(nil), d...)
	}
	return nil
}

// excitatory reads each neuron's type off its row of the hidden mask: a
// neuron with any −1 is inhibitory.
func excitatory(hidden []float64, n int) []bool {
	e := make([]bool, n)
	for i := 0; i < n; i++ {
		e[i] = true
		for j := 0; j < n && hidden != nil; j++ {
			if hidden[i*n+j] < 0 {
				e[i] = false
				break
			}
		}
	}
	return e
}

// readHistory reads history.csv into one series per loss term plus the
// accuracy column.
func readHistory(path string) ([]figure.Series, figure.Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, figure.Series{}, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) < 2 {
		return nil, figure.Series{}, fmt.Errorf("history %s: %v", path, err)
	}
	head := rows[0]
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	skip := map[string]bool{"step": true, "accuracy": true, "lr": true, "wall_s": true, "stage": true, "grad_norm": true, "eval_mse": true}
	for _, h := range head {
		if strings.HasPrefix(h, "eval_") { // evaluation measures (eval_nmse, eval_r): not loss terms
			skip[h] = true
		}
	}
	var series []figure.Series
	var acc figure.Series
	acc.Name = "accuracy"
	// With a single loss term the total is the same curve: draw it once.
	terms := 0
	for _, h := range head {
		if !skip[h] {
			terms++
		}
	}
	if terms == 2 { // one loss term and the total
		skip["total"] = true
	}
	for _, h := range head {
		if skip[h] {
			continue
		}
		series = append(series, figure.Series{Name: h})
	}
	for _, r := range rows[1:] {
		step, err := strconv.ParseFloat(r[col["step"]], 64)
		if err != nil {
			continue
		}
		k := 0
		for i, h := range head {
			if skip[h] {
				continue
			}
			if v, err := strconv.ParseFloat(r[i], 64); err == nil && !math.IsNaN(v) {
				series[k].X = append(series[k].X, step)
				series[k].Y = append(series[k].Y, v)
			}
			k++
		}
		if c, ok := col["accuracy"]; ok && r[c] != "" {
			if v, err := strconv.ParseFloat(r[c], 64); err == nil && !math.IsNaN(v) {
				acc.X = append(acc.X, step)
				acc.Y = append(acc.Y, v)
			}
		}
	}
	return series, acc, nil
}

// trialsFigure draws k example trials: inputs, targets and outputs.
func trialsFigure(path string, task tasks.Task, ev *evaluation, k int) error {
	b := ev.b
	k = min(k, b.Size)
	names := func(chs []tasks.Channel) []string {
		var out []string
		for _, c := range chs {
			for i := 0; i < c.Size; i++ {
				if c.Size == 1 {
					out = append(out, c.Name)
				} else {
					out = append(out, fmt.Sprintf("%s %d", c.Name, i+1))
				}
			}
		}
		return out
	}
	inNames, outNames := names(task.Inputs()), names(task.Outputs())
	// Rings of many units make unreadable panels: draw at most 6 traces.
	const maxTraces = 6
	var trials []figure.Trial
	for i := 0; i < k; i++ {
		tr := b.Trials[i]
		steps := tr.Steps
		if steps <= 0 || steps > b.Steps {
			steps = b.Steps
		}
		trace := func(src []float32, width, c int) []float64 {
			v := make([]float64, steps)
			for t := 0; t < steps; t++ {
				v[t] = float64(src[(i*b.Steps+t)*width+c])
			}
			return v
		}
		var ft figure.Trial
		ft.Title = fmt.Sprintf("trial %d%s", i+1, conditionText(tr))
		for c := 0; c < b.In && c < maxTraces; c++ {
			ft.Inputs = append(ft.Inputs, figure.Trace{Name: inNames[c], Values: trace(b.Inputs, b.In, c)})
		}
		for c := 0; c < b.Out && c < maxTraces; c++ {
			ft.Targets = append(ft.Targets, figure.Trace{Name: outNames[c], Values: trace(b.Targets, b.Out, c)})
			ft.Outputs = append(ft.Outputs, figure.Trace{Name: outNames[c], Values: trace(ev.res.Outputs, b.Out, c)})
		}
		for _, p := range tr.Periods {
			if p.End <= p.Start || p.End > steps {
				continue // empty periods (a delay of 0) have nothing to shade
			}
			ft.Periods = append(ft.Periods, figure.Period{Name: p.Name, Start: p.Start, End: p.End})
		}
		trials = append(trials, ft)
	}
	return figure.Trials(path, figure.TrialsPlot{Title: "Example trials (" + task.Name() + ")", DT: task.DT(), Trials: trials})
}

func conditionText(tr batch.Trial) string {
	keys := make([]string, 0, len(tr.Conditions))
	for k := range tr.Conditions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i >= 3 {
			break
		}
		s += fmt.Sprintf(", %s %.3g", k, tr.Conditions[k])
	}
	return s
}

// pcaFigure projects the hidden firing rates of up to 64 trials on their
// first two principal components, coloured by the task's main condition.
func pcaFigure(path string, task tasks.Task, ev *evaluation, n int) error {
	b := ev.b
	k := min(64, b.Size)
	cond := mainCondition(ev)
	// A signed version of the main condition (signed_coherence) separates
	// the two choices in colour as well.
	if _, ok := b.Trials[0].Conditions["signed_"+cond]; ok {
		cond = "signed_" + cond
	}
	var data []float64
	var lens []int
	for i := 0; i < k; i++ {
		steps := b.Trials[i].Steps
		if steps <= 0 || steps > b.Steps {
			steps = b.Steps
		}
		for t := 0; t < steps; t++ {
			data = append(data, f64(ev.res.Rates[(i*b.Steps+t)*n:][:n])...)
		}
		lens = append(lens, steps)
	}
	rows := len(data) / n
	proj, explained, err := analysis.PCA(data, rows, n, 2)
	if err != nil {
		return err
	}
	var trajs []figure.Trajectory
	off := 0
	for i, l := range lens {
		tr := figure.Trajectory{Condition: b.Trials[i].Conditions[cond]}
		for t := 0; t < l; t++ {
			tr.X = append(tr.X, proj[(off+t)*2])
			tr.Y = append(tr.Y, proj[(off+t)*2+1])
		}
		off += l
		trajs = append(trajs, tr)
	}
	ex := func(i int) float64 {
		if i < len(explained) {
			return 100 * explained[i]
		}
		return 0
	}
	return figure.Trajectories(path, figure.TrajectoriesPlot{
		Title:         "Hidden-state trajectories (" + task.Name() + ")",
		XLabel:        fmt.Sprintf("PC1 (%.0f%% of variance)", ex(0)),
		YLabel:        fmt.Sprintf("PC2 (%.0f%% of variance)", ex(1)),
		ConditionName: cond,
		Trajectories:  trajs,
	})
}

// mainCondition is the condition the task's score summarises first (for
// example coherence), or the first condition in alphabetical order.
func mainCondition(ev *evaluation) string {
	if len(ev.score.ByCondition) > 0 {
		return ev.score.ByCondition[0].Condition
	}
	if ev.b.Size > 0 {
		keys := make([]string, 0)
		for k := range ev.b.Trials[0].Conditions {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) > 0 {
			return keys[0]
		}
	}
	return "condition"
}
