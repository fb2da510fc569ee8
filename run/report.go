package run

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dale-rnn/dale/analysis"
	"github.com/dale-rnn/dale/batch"
	"github.com/dale-rnn/dale/internal/figure"
	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/tasks"
	"github.com/dale-rnn/dale/train"
)

// Metrics is what metrics.json holds: how the network does on a set of
// trials.
type Metrics struct {
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
	IdealObserver *IdealScore     `json:"ideal_observer,omitempty"`
	Training      json.RawMessage `json:"training,omitempty"`
	// NoAnswer counts the trials with no correct answer (pdm at 0 %),
	// left out of accuracy and by_condition.
	NoAnswer int `json:"no_answer"`
	// Measures holds every measure of the task's Score, by name.
	Measures map[string]float64 `json:"measures"`
	// Target is the task's acceptance target and whether it is met.
	Target TargetResult `json:"target"`
}

// TargetResult is a task's target (tasks.Target) and whether the
// network meets it.
type TargetResult struct {
	Measure        string  `json:"measure"`
	Value          float64 `json:"value"`
	HigherIsBetter bool    `json:"higher_is_better"`
	Met            bool    `json:"met"`
}

type IdealScore struct {
	Accuracy    float64                `json:"accuracy"`
	ByCondition []tasks.ConditionScore `json:"by_condition"`
}

// Evaluation is a model run on a set of trials, with its score.
type Evaluation struct {
	b     *batch.Batch
	res   *rnn.Result
	score tasks.Score
	psy   []tasks.Curve
	ideal *IdealScore // nil for tasks without an ideal observer
	// target is the task's acceptance target.
	target tasks.Target
}

// Batch is the trials the network ran on (the evaluation batches joined).
func (ev *Evaluation) Batch() *batch.Batch { return ev.b }

// Result is the network's outputs, rates and potentials on Batch.
func (ev *Evaluation) Result() *rnn.Result { return ev.res }

// Score is the task's score of the outputs.
func (ev *Evaluation) Score() tasks.Score { return ev.score }

// Curves are the psychometric curves (two-choice tasks with a signed
// evidence axis; nil otherwise).
func (ev *Evaluation) Curves() []tasks.Curve { return ev.psy }

// Evaluate runs m in evaluation mode (no noise) on the batches of task and
// scores it: the task's Score, its psychometric curves and, where the task
// has one, the ideal observer on the same trials.
func Evaluate(m *rnn.Model, task tasks.Task, bs []*batch.Batch) (*Evaluation, error) {
	b, err := batch.Concat(bs)
	if err != nil {
		return nil, err
	}
	res, err := m.Forward(b.Inputs, b.Size, b.Steps)
	if err != nil {
		return nil, err
	}
	return Judge(task, b, res)
}

// Judge scores outputs res (res.Outputs at least: [Size, Steps, Out]) that
// some network produced on the trials b of task, as Evaluate does.
func Judge(task tasks.Task, b *batch.Batch, res *rnn.Result) (*Evaluation, error) {
	s, err := task.Score(b, res.Outputs)
	if err != nil {
		return nil, err
	}
	ev := &Evaluation{b: b, res: res, score: s, target: task.Target()}
	if io, err := tasks.IdealObserver(task, b); err == nil {
		ev.ideal = &IdealScore{Accuracy: io.Accuracy, ByCondition: io.ByCondition}
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

// Metrics is what metrics.json holds for this evaluation of task's
// network from checkpoint on trials drawn with seed.
func (ev *Evaluation) Metrics(task string, checkpoint string, seed uint64) Metrics {
	s := ev.score
	mt := Metrics{
		Task: task, Checkpoint: checkpoint, Trials: s.Trials, Seed: seed,
		FixationBreaks: s.FixationBreaks, MSE: s.MSE,
		ByCondition: s.ByCondition, Psychometric: ev.psy, IdealObserver: ev.ideal,
		NoAnswer: s.NoAnswer, Measures: s.Measures,
		Target: TargetResult{Measure: ev.target.Measure, Value: ev.target.Value, HigherIsBetter: ev.target.HigherIsBetter, Met: ev.target.Met(s)},
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

// WriteJSON writes v as indented JSON to path, atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return npz.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// PsychometricFigure draws the curves of an evaluation of task (nil
// when unknown). Curves labelled "context c, modality m" (ctxdm) are drawn
// in Mante et al. 2013's layout, one panel per context (row) and modality
// (column), the panels of the modality the context cues marked relevant;
// other curves share one panel. Nothing is drawn without a curve.
func PsychometricFigure(path string, task tasks.Task, curves []tasks.Curve) error {
	var nonEmpty []tasks.Curve
	for _, c := range curves {
		if len(c.Points) > 0 {
			nonEmpty = append(nonEmpty, c)
		}
	}
	if len(nonEmpty) == 0 {
		return nil
	}
	ylabel := psychometricYLabel(task)
	if ctxs, mods, at, ok := contextCurves(nonEmpty); ok {
		var panels []figure.PsychometricPanel
		for _, cx := range ctxs {
			for _, md := range mods {
				c := at[[2]float64{cx, md}]
				xlabel, unit := evidenceAxis(c.Evidence)
				rel := "irrelevant"
				if cx == md {
					rel = "relevant"
				}
				panels = append(panels, figure.PsychometricPanel{
					Title:      fmt.Sprintf("context %g: modality %g %s", cx, md, rel),
					XLabel:     xlabel,
					YLabel:     ylabel,
					Conditions: []figure.PsychometricCondition{psychometricCondition(c, unit, fmt.Sprintf("%d trials", curveTrials(c)))},
					Muted:      cx != md,
				})
			}
		}
		return figure.PsychometricPanels(path, figure.PsychometricGrid{
			Title: "Psychometric curves: rows = context (context c cues modality c), columns = modality on the x axis",
			Rows:  len(ctxs), Cols: len(mods), Panels: panels,
		})
	}
	xlabel, unit := evidenceAxis(nonEmpty[0].Evidence)
	var conds []figure.PsychometricCondition
	for _, c := range nonEmpty {
		conds = append(conds, psychometricCondition(c, unit, fmt.Sprintf("%s (%d trials)", c.Label, curveTrials(c))))
	}
	return figure.Psychometric(path, figure.PsychometricPlot{
		Title:      "Psychometric curve",
		XLabel:     xlabel,
		YLabel:     ylabel,
		Conditions: conds,
	})
}

// psychometricCondition turns a curve into a figure condition named name,
// its fitted probit drawn and its parameters (in unit) in the legend when
// the fit converged.
func psychometricCondition(c tasks.Curve, unit, name string) figure.PsychometricCondition {
	pc := figure.PsychometricCondition{Name: name}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range c.Points {
		pc.Evidence = append(pc.Evidence, p.X)
		pc.PRight = append(pc.PRight, p.PChoice)
		pc.N = append(pc.N, p.Trials)
		lo, hi = math.Min(lo, p.X), math.Max(hi, p.X)
	}
	pc.Notes = fitNotes(c.Fit, unit, 10*math.Max(math.Abs(lo), math.Abs(hi)))
	if c.Excluded > 0 {
		pc.Notes = append(pc.Notes, fmt.Sprintf("%d broke fixation (left out)", c.Excluded))
	}
	if !fitUsable(c.Fit) || !(hi > lo) {
		return pc
	}
	fit := c.Fit
	for i := 0; i <= 100; i++ {
		x := lo + (hi-lo)*float64(i)/100
		pc.FitX = append(pc.FitX, x)
		pc.FitY = append(pc.FitY, 0.5*math.Erfc(-fit.Slope*(x-fit.Bias)/math.Sqrt2))
	}
	return pc
}

func curveTrials(c tasks.Curve) int {
	n := 0
	for _, p := range c.Points {
		n += p.Trials
	}
	return n
}

// fitUsable reports whether a probit fit converged to finite parameters.
func fitUsable(f tasks.Probit) bool {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	return f.Converged && f.Slope != 0 && finite(f.Slope) && finite(f.Bias)
}

// probitReason says why a fit did not converge ("" when it does not say).
func probitReason(f tasks.Probit) string { return f.Reason }

// fitNotes are the legend lines of a fit: its bias and slope in the
// evidence's unit, or that it did not converge and why. A bias beyond
// ±far (a flat curve's) is given as beyond it.
func fitNotes(f tasks.Probit, unit string, far float64) []string {
	if !fitUsable(f) {
		notes := []string{"probit fit: not converged"}
		if why := probitReason(f); why != "" {
			notes[0] += ":"
			notes = append(notes, wrapWords(why, 32)...)
		}
		return notes
	}
	u, per := "", ""
	if unit != "" {
		u, per = " "+unit, " /"+unit
	}
	bias := fmt.Sprintf("probit bias %+.3g%s", f.Bias, u)
	if far > 0 && math.Abs(f.Bias) > far {
		bias = fmt.Sprintf("probit bias %s %+.3g%s (flat)", map[bool]string{true: ">", false: "<"}[f.Bias > 0], math.Copysign(far, f.Bias), u)
	}
	return []string{
		bias,
		fmt.Sprintf("probit slope %.3g%s", f.Slope, per),
	}
}

// wrapWords splits s into lines of at most about width characters.
func wrapWords(s string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// evidenceAxes names the psychometric x axes: an evidence condition (with
// any trailing modality number taken off) gives the axis name and unit.
var evidenceAxes = map[string]struct{ name, unit string }{
	"signed_coherence": {"signed coherence", "%"},
	"difference":       {"f1 − f2", "Hz"},
}

// evidenceAxis returns the x-axis label of an evidence condition (e.g.
// "modality 2 signed coherence (%)" for signed_coherence2) and its unit
// ("" when unknown).
func evidenceAxis(evidence string) (label, unit string) {
	base := strings.TrimRight(evidence, "0123456789")
	a, ok := evidenceAxes[base]
	if !ok {
		return strings.ReplaceAll(evidence, "_", " "), ""
	}
	label = a.name
	if m := evidence[len(base):]; m != "" {
		label = "modality " + m + " " + label
	}
	if a.unit != "" {
		label += " (" + a.unit + ")"
	}
	return label, a.unit
}

// psychometricYLabel names the choice a psychometric curve plots (choice
// 1 of the task's choice outputs, which follow the fixation output).
func psychometricYLabel(task tasks.Task) string {
	if task != nil {
		var choices []string
		for _, c := range task.Outputs() {
			if c.Name != "fixation" && c.Size == 1 {
				choices = append(choices, c.Name)
			}
		}
		if len(choices) == 2 {
			return "P(choose " + strings.ReplaceAll(choices[1], "_", " ") + ")"
		}
	}
	return "P(choice 1)"
}

// contextCurves recognises ctxdm's curves, labelled "context c, modality
// m": it returns the contexts and modalities in increasing order and the
// curve of each pair, ok only when every label has that form and every
// pair has its curve.
func contextCurves(curves []tasks.Curve) (ctxs, mods []float64, at map[[2]float64]tasks.Curve, ok bool) {
	at = map[[2]float64]tasks.Curve{}
	for _, c := range curves {
		var cx, md float64
		var rest string
		if n, _ := fmt.Sscanf(c.Label+" .", "context %g, modality %g %s", &cx, &md, &rest); n != 3 || rest != "." {
			return nil, nil, nil, false
		}
		if _, dup := at[[2]float64{cx, md}]; dup {
			return nil, nil, nil, false
		}
		at[[2]float64{cx, md}] = c
		if !slices.Contains(ctxs, cx) {
			ctxs = append(ctxs, cx)
		}
		if !slices.Contains(mods, md) {
			mods = append(mods, md)
		}
	}
	slices.Sort(ctxs)
	slices.Sort(mods)
	return ctxs, mods, at, len(at) == len(ctxs)*len(mods) && len(at) > 0
}

// WriteFigures draws every figure of a run directory into dir/figures and
// returns the paths of those written. areas are the first neurons of the
// areas after the first (boundaries drawn on the mask and weight maps). A
// figure that cannot be drawn (a PCA of one neuron, activity with no
// variance) is skipped and the others are still drawn; the error then
// joins one "figure NAME skipped: ..." per skipped figure, and is a
// warning, not a failure of the run.
func WriteFigures(dir string, m *rnn.Model, task tasks.Task, ev *Evaluation, areas []int) ([]string, error) {
	fdir := filepath.Join(dir, "figures")
	if err := os.MkdirAll(fdir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	var skipped []error
	add := func(name string, err error) {
		if err != nil {
			skipped = append(skipped, fmt.Errorf("figure %s skipped: %v", name, err))
			return
		}
		if _, serr := os.Stat(filepath.Join(fdir, name)); serr == nil {
			paths = append(paths, filepath.Join(fdir, name))
		}
	}
	p := func(name string) string { return filepath.Join(fdir, name) }

	// Loss and accuracy curves from history.csv.
	if series, acc, err := readHistory(filepath.Join(dir, "history.csv")); err == nil {
		add("loss.png", figure.LinesWith(p("loss.png"), figure.LinesPlot{
			Title: "Training loss", XLabel: "step", YLabel: "loss", Series: series, LogY: positive(series),
		}))
		if len(acc.X) > 0 {
			add("accuracy.png", figure.LinesWith(p("accuracy.png"), figure.LinesPlot{
				Title: "Evaluation accuracy", XLabel: "step", YLabel: "accuracy", Series: []figure.Series{acc}, YMin: 0, YMax: 1,
			}))
		}
	}
	add("psychometric.png", PsychometricFigure(p("psychometric.png"), task, ev.psy))

	dims := m.Dims()
	in, hid, out := dims[0], dims[1], dims[2]
	masks := m.MasksInUse()
	for _, l := range []struct {
		name       string
		data       []float64
		rows, cols int
		rl, cl     []int
		signed     bool
	}{
		{"mask_input.png", masks.Input, in, hid, nil, areas, m.InputDale()},
		{"mask_hidden.png", masks.Hidden, hid, hid, areas, areas, m.Dale()},
		{"mask_readout.png", masks.Readout, hid, out, areas, nil, m.Dale()},
	} {
		f, err := figure.SignedMask(grid{l.data, l.rows, l.cols}, figure.MaskOptions{
			Title: fmt.Sprintf("%s mask (%d×%d, pre × post)", l.name[5:len(l.name)-4], l.rows, l.cols), RowLines: l.rl, ColLines: l.cl, Unsigned: !l.signed,
		})
		if err == nil {
			err = f.SavePNG(p(l.name), 700, 600)
		}
		add(l.name, err)
	}

	win, wrec, wout := m.EffectiveFloat64()
	excit := masks.Excitatory(hid)
	var hist []figure.HistSeries
	for _, l := range []struct {
		name       string
		w          []float64
		rows, cols int
		rl, cl     []int
	}{
		{"input", win, in, hid, nil, areas},
		{"hidden", wrec, hid, hid, areas, areas},
		{"readout", wout, hid, out, areas, nil},
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
		add(name, err)
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
		add("weights_hist.png", figure.Histogram(p("weights_hist.png"), figure.HistogramPlot{
			Title: "Effective weights by sender type (absent synapses left out)", XLabel: "weight",
			Series: nonEmpty, Panels: true, SkipZeros: true,
		}))
	}
	if eig, err := analysis.Eigenvalues(wrec, hid); err == nil {
		add("spectrum.png", figure.Spectrum(p("spectrum.png"), "Eigenvalues of the effective recurrent matrix", eig))
	}
	add("trials.png", trialsFigure(p("trials.png"), task, ev, 4))
	add("pca.png", pcaFigure(p("pca.png"), task, ev, dims[1]))
	return paths, errors.Join(skipped...)
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
	skip := map[string]bool{}
	for _, h := range head {
		skip[h] = !train.IsLossTermColumn(h) && h != "total"
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
func trialsFigure(path string, task tasks.Task, ev *Evaluation, k int) error {
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
			scored := make([]bool, steps)
			for t := range scored {
				scored[t] = b.Mask[(i*b.Steps+t)*b.Out+c] > 0
			}
			ft.Targets = append(ft.Targets, figure.Trace{Name: outNames[c], Values: trace(b.Targets, b.Out, c), Scored: scored})
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

// pcaCondition is the trial condition pca.png averages over and colours
// by: its legend name and its value on a trial (ok false: the trial is
// left out); bin > 0 rounds values to multiples of bin first; perTrial
// draws single trials, each its own colour, instead of averages.
type pcaCondition struct {
	name     string
	value    func(c map[string]float64) (float64, bool)
	bin      float64
	perTrial bool
}

// pcaKey reads one condition as it is.
func pcaKey(key string) func(map[string]float64) (float64, bool) {
	return func(c map[string]float64) (float64, bool) { v, ok := c[key]; return v, ok }
}

// pcaConditions is, per task, the condition that matters for the
// hidden-state trajectories. A task not listed uses its main condition
// (signed when it has a signed version).
var pcaConditions = map[string]pcaCondition{
	"pdm":          {name: "signed coherence (%)", value: pcaKey("signed_coherence")},
	"multisensory": {name: "signed coherence (%)", value: pcaKey("signed_coherence")},
	// The coherence of the modality the context cues, signed by its
	// direction: the colour's hue is the correct choice.
	"ctxdm": {name: "signed relevant coherence (%)", value: func(c map[string]float64) (float64, bool) {
		v, ok := c[fmt.Sprintf("signed_coherence%g", c["context"])]
		return v, ok
	}},
	"romo":        {name: "f1 (Hz)", value: pcaKey("f1")},
	"dms":         {name: "match", value: pcaKey("match")},
	"dmc":         {name: "match", value: pcaKey("match")},
	"gonogo":      {name: "go", value: pcaKey("go")},
	"antisaccade": {name: "stimulus (ring unit)", value: pcaKey("stimulus")},
	"sine":        {name: "frequency (Hz)", value: pcaKey("frequency")},
	"rsg":         {name: "interval (ms, 100 ms bins)", value: pcaKey("interval"), bin: 100},
	// Pulse times are random: averages would blur them away.
	"flipflop": {name: "trial", perTrial: true},
	// All of Yang's tasks in one network: by task.
	"yang20": {name: "rule", value: pcaKey("rule")},
}

// Yang's tasks alone: by the response direction in eighths of the ring
// (-1: keep fixating).
func init() {
	for _, r := range tasks.YangRules() {
		pcaConditions["yang-"+r] = pcaCondition{name: "response direction (rad, π/4 bins)", value: pcaKey("response"), bin: math.Pi / 4}
	}
}

// pcaMaxFaint bounds the single trials pca.png draws faint under the
// condition averages; pcaPerTrial is how many trials it draws for a
// perTrial condition.
const (
	pcaMaxFaint = 24
	pcaPerTrial = 8
)

// pcaFigure averages the hidden firing rates over the trials sharing the
// task's condition (pcaConditions), aligned period by period, projects
// the averages on their first two principal components and draws them,
// the start of each period marked, with a few single trials faint beneath.
func pcaFigure(path string, task tasks.Task, ev *Evaluation, n int) error {
	b := ev.b
	if b.Size == 0 || len(b.Trials) != b.Size {
		return nil
	}
	pc, ok := pcaConditions[task.Name()]
	if !ok {
		cond := mainCondition(ev)
		// A signed version of the main condition (signed_coherence)
		// separates the two choices in colour as well.
		if _, ok := b.Trials[0].Conditions["signed_"+cond]; ok {
			cond = "signed_" + cond
		}
		pc = pcaCondition{name: strings.ReplaceAll(cond, "_", " "), value: pcaKey(cond)}
	}
	rate := func(i, t int) []float32 { return ev.res.Rates[(i*b.Steps+t)*n:][:n] }
	steps := func(i int) int {
		if s := b.Trials[i].Steps; s > 0 && s <= b.Steps {
			return s
		}
		return b.Steps
	}
	groups := pcaGroups(b, pc)
	if len(groups) == 0 {
		return nil
	}
	// The averages, and where each period starts in them.
	type average struct {
		value   float64
		rates   [][]float64
		periods []figure.Period
	}
	var avgs []average
	var data []float64
	for _, g := range groups {
		segs := pcaSegments(b, g.trials, steps)
		a := average{value: g.value}
		for _, sg := range segs {
			if sg.length == 0 {
				continue
			}
			start := len(a.rates)
			for s := 0; s < sg.length; s++ {
				m := make([]float64, n)
				for k, i := range g.trials {
					for u, v := range rate(i, sg.starts[k]+s) {
						m[u] += float64(v)
					}
				}
				for u := range m {
					m[u] /= float64(len(g.trials))
				}
				a.rates = append(a.rates, m)
				data = append(data, m...)
			}
			if sg.name != "" {
				a.periods = append(a.periods, figure.Period{Name: sg.name, Start: start, End: len(a.rates)})
			}
		}
		avgs = append(avgs, a)
	}
	rows := len(data) / n
	if rows < 2 {
		return fmt.Errorf("pca: the condition averages have %d time steps in all: need at least 2", rows)
	}
	axes, mean, explained, err := analysis.PCAComponents(data, rows, n, 2)
	if err != nil {
		return err
	}
	project := func(r []float64) (x, y float64) {
		for u, v := range r {
			d := v - mean[u]
			x += d * axes[u*2]
			y += d * axes[u*2+1]
		}
		return x, y
	}
	var trajs []figure.Trajectory
	if !pc.perTrial {
		for _, sel := range pcaFaintTrials(groups) {
			i := groups[sel[0]].trials[sel[1]]
			tr := figure.Trajectory{Condition: groups[sel[0]].value, Faint: true}
			r := make([]float64, n)
			for t := 0; t < steps(i); t++ {
				for u, v := range rate(i, t) {
					r[u] = float64(v)
				}
				x, y := project(r)
				tr.X, tr.Y = append(tr.X, x), append(tr.Y, y)
			}
			trajs = append(trajs, tr)
		}
	}
	for _, a := range avgs {
		tr := figure.Trajectory{Condition: a.value, Periods: a.periods}
		for _, r := range a.rates {
			x, y := project(r)
			tr.X, tr.Y = append(tr.X, x), append(tr.Y, y)
		}
		trajs = append(trajs, tr)
	}
	ex := func(i int) float64 {
		if i < len(explained) {
			return 100 * explained[i]
		}
		return 0
	}
	title := "Condition-averaged hidden-state trajectories (" + task.Name() + ")"
	of := "the averages"
	if pc.perTrial {
		title = "Hidden-state trajectories of single trials (" + task.Name() + ")"
		of = "these trials"
	}
	return figure.Trajectories(path, figure.TrajectoriesPlot{
		Title:         title,
		XLabel:        fmt.Sprintf("PC1 (%.0f%% of the variance of %s)", ex(0), of),
		YLabel:        fmt.Sprintf("PC2 (%.0f%%)", ex(1)),
		ConditionName: pc.name,
		FaintName:     "single trials",
		Trajectories:  trajs,
	})
}

// pcaGroup is the trials sharing one value of the condition.
type pcaGroup struct {
	value  float64
	trials []int
}

// pcaGroups groups the trials of b by the value of pc, in increasing
// value; a perTrial condition gives the first pcaPerTrial trials, one per
// group, valued 1, 2, ....
func pcaGroups(b *batch.Batch, pc pcaCondition) []pcaGroup {
	if pc.perTrial {
		var out []pcaGroup
		for i := 0; i < min(b.Size, pcaPerTrial); i++ {
			out = append(out, pcaGroup{value: float64(i + 1), trials: []int{i}})
		}
		return out
	}
	at := map[float64]int{}
	var out []pcaGroup
	for i, tr := range b.Trials {
		v, ok := pc.value(tr.Conditions)
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if pc.bin > 0 {
			v = math.Round(v/pc.bin) * pc.bin
		}
		k, seen := at[v]
		if !seen {
			k = len(out)
			at[v] = k
			out = append(out, pcaGroup{value: v})
		}
		out[k].trials = append(out[k].trials, i)
	}
	slices.SortFunc(out, func(a, b pcaGroup) int { return cmp.Compare(a.value, b.value) })
	return out
}

// pcaSegment is one stretch of a condition average: the period name ("" for
// none), its length in steps and where it starts in each trial.
type pcaSegment struct {
	name   string
	length int
	starts []int
}

// pcaSegments aligns the trials of a group period by period: when they
// all have the same periods in the same order, each period is as long as
// the shortest of its occurrences and starts where it starts in each
// trial; otherwise the trials are aligned at their start, one stretch as
// long as the shortest trial.
func pcaSegments(b *batch.Batch, trials []int, steps func(int) int) []pcaSegment {
	ref := b.Trials[trials[0]].Periods
	same := len(ref) > 0
	for _, i := range trials[1:] {
		ps := b.Trials[i].Periods
		if len(ps) != len(ref) {
			same = false
			break
		}
		for k := range ps {
			if ps[k].Name != ref[k].Name {
				same = false
			}
		}
	}
	for _, i := range trials {
		for _, p := range b.Trials[i].Periods {
			if p.Start < 0 || p.End < p.Start || p.End > steps(i) {
				same = false
			}
		}
	}
	if !same {
		sg := pcaSegment{length: math.MaxInt, starts: make([]int, len(trials))}
		for _, i := range trials {
			sg.length = min(sg.length, steps(i))
		}
		return []pcaSegment{sg}
	}
	segs := make([]pcaSegment, len(ref))
	for k, p := range ref {
		segs[k] = pcaSegment{name: p.Name, length: math.MaxInt, starts: make([]int, len(trials))}
		for j, i := range trials {
			q := b.Trials[i].Periods[k]
			segs[k].length = min(segs[k].length, q.End-q.Start)
			segs[k].starts[j] = q.Start
		}
	}
	return segs
}

// pcaFaintTrials picks the single trials drawn faint, as (group, index in
// the group): the first trial of every group, then the second, ..., at
// most two per group and pcaMaxFaint in all, spread over the groups.
func pcaFaintTrials(groups []pcaGroup) [][2]int {
	var out [][2]int
	step := max(1, (len(groups)+pcaMaxFaint-1)/pcaMaxFaint)
	for j := 0; j < 2; j++ {
		for g := 0; g < len(groups); g += step {
			if j < len(groups[g].trials) && len(out) < pcaMaxFaint {
				out = append(out, [2]int{g, j})
			}
		}
	}
	return out
}

// mainCondition is the condition the task's score summarises first (for
// example coherence), or the first condition in alphabetical order.
func mainCondition(ev *Evaluation) string {
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
