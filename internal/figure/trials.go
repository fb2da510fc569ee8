package figure

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Trace is one named signal with one value per time step.
type Trace struct {
	Name   string
	Values []float64
	// Scored, for a target, says at which steps the loss scores it (its
	// mask is > 0): nil means every step. The stretches that are not
	// scored are drawn dotted in grey (TrialsUnscoredColor), with one
	// legend entry saying so. Inputs and outputs must leave it nil.
	Scored []bool
}

// TrialsUnscoredColor is the colour of a target's unscored stretches.
var TrialsUnscoredColor = color.RGBA{R: 0x9A, G: 0x9A, B: 0x9A, A: 0xFF}

// Period is a named interval of time steps [Start, End), e.g. "fixation"
// or "stimulus".
type Period struct {
	Name       string
	Start, End int
}

// Trial is one example trial: its inputs, targets and the network's
// outputs over time, all of the same length. Targets[k] is drawn dashed in
// the colour of Outputs[k] where it is scored, dotted grey where it is not
// (see Trace.Scored). Periods, if any, are shaded and named.
type Trial struct {
	Title   string
	Inputs  []Trace
	Targets []Trace
	Outputs []Trace
	Periods []Period
}

// TrialsPlot is a figure of example trials, one panel per trial stacked
// vertically on a common time axis.
type TrialsPlot struct {
	Title string
	// DT is the time step in ms: the time axis is in ms when DT > 0 and in
	// steps when DT is 0.
	DT     float64
	Trials []Trial
	// YLabel defaults to "activity".
	YLabel string
	// Width is the PNG's width in pixels (0: 900); PanelHeight the height of
	// one trial's panel (0: 240). The PNG is PanelHeight × trials + 40 tall.
	Width, PanelHeight int
}

// trialsGroup is the number of traces of one kind above which they share
// one legend entry and a colour ramp (ring inputs, many outputs).
const trialsGroup = 8

// Trials writes the example-trials figure tp to path as a PNG. It returns
// an error, and writes nothing, for no trial, a trial without traces,
// traces of different lengths within a trial, a NaN or infinite value, a
// period outside the trial or with End ≤ Start, or DT negative.
func Trials(path string, tp TrialsPlot) error {
	if len(tp.Trials) == 0 {
		return fmt.Errorf("figure: trials: no trial to draw: need at least one")
	}
	if tp.DT < 0 || math.IsNaN(tp.DT) || math.IsInf(tp.DT, 0) {
		return fmt.Errorf("figure: trials: DT = %v is not allowed: must be 0 (time in steps) or a positive number of ms", tp.DT)
	}
	ph := tp.PanelHeight
	if ph == 0 {
		ph = 240
	}
	if ph < 50 {
		return fmt.Errorf("figure: trials: PanelHeight = %d pixels is not allowed: must be 0 (default 240) or ≥ 50", tp.PanelHeight)
	}
	w, h, err := panelSize(tp.Width, ph*len(tp.Trials)+40, 900, 0)
	if err != nil {
		return err
	}
	for i, tr := range tp.Trials {
		if err := trialsCheck(i, tr); err != nil {
			return err
		}
	}
	xlabel := "time step"
	scale := 1.0
	if tp.DT > 0 {
		xlabel = "time (ms)"
		scale = tp.DT
	}
	ylabel := tp.YLabel
	if ylabel == "" {
		ylabel = "activity"
	}
	plots := make([][]*plot.Plot, len(tp.Trials))
	legs := make([]plot.Legend, len(tp.Trials))
	for i, tr := range tp.Trials {
		xl := ""
		if i == len(tp.Trials)-1 {
			xl = xlabel
		}
		p := panelNewPlot(tr.Title, xl, ylabel)
		p.Title.TextStyle.Font = font.From(panelFont, 12)
		leg := panelNewLegend()
		T := trialsLen(tr)
		if len(tr.Periods) > 0 {
			p.Add(&trialsPeriods{periods: tr.Periods, scale: scale})
		}
		p.Add(plotter.NewGrid())
		if err := trialsAdd(p, &leg, tr.Inputs, "in", scale, trialsInput); err != nil {
			return err
		}
		if err := trialsAdd(p, &leg, tr.Targets, "target", scale, trialsTarget); err != nil {
			return err
		}
		if err := trialsAdd(p, &leg, tr.Outputs, "out", scale, trialsOutput); err != nil {
			return err
		}
		if trialsAnyUnscored(tr.Targets) {
			l, _ := plotter.NewLine(plotter.XYs{{}, {}})
			trialsUnscoredStyle(l)
			leg.Add("target, not scored (mask 0)", l)
		}
		p.X.Min, p.X.Max = 0, float64(max(T-1, 1))*scale
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, g := range [][]Trace{tr.Inputs, tr.Targets, tr.Outputs} {
			for _, t := range g {
				l, h := linesRange(t.Values)
				lo, hi = math.Min(lo, l), math.Max(hi, h)
			}
		}
		r := math.Max(hi-lo, 1e-3)
		head := 0.04
		if len(tr.Periods) > 0 { // headroom for the period names
			head = 0.2
		}
		p.Y.Min, p.Y.Max = lo-0.04*r, hi+head*r
		plots[i] = []*plot.Plot{p}
		legs[i] = leg
	}
	return savePNG(path, w, h, func(c draw.Canvas) error {
		panelStack(panelFrame(c), tp.Title, plots, legs)
		return nil
	})
}

type trialsKind int

const (
	trialsInput trialsKind = iota
	trialsTarget
	trialsOutput
)

// trialsAdd draws traces of one kind into p and adds legend entries.
func trialsAdd(p *plot.Plot, leg *plot.Legend, traces []Trace, prefix string, scale float64, kind trialsKind) error {
	grouped := len(traces) > trialsGroup
	for k, tr := range traces {
		xys := make(plotter.XYs, len(tr.Values))
		for t, v := range tr.Values {
			xys[t] = plotter.XY{X: float64(t) * scale, Y: v}
		}
		var l *plotter.Line
		var err error
		if kind == trialsTarget && tr.Scored != nil {
			l, err = trialsAddRuns(p, xys, tr.Scored)
		} else {
			l, err = plotter.NewLine(xys)
			if err == nil {
				p.Add(l)
			}
		}
		if err != nil {
			return fmt.Errorf("figure: trials %s %q: %v", prefix, tr.Name, err)
		}
		l.Width = vg.Points(1.2)
		switch kind {
		case trialsInput:
			l.Color = trialsInputColor(k, len(traces))
		case trialsTarget:
			l.Color = trialsOutputColor(k, len(traces))
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2.5)}
			l.Width = vg.Points(1.6)
		case trialsOutput:
			l.Color = trialsOutputColor(k, len(traces))
			l.Width = vg.Points(1.8)
		}
		if grouped {
			if k == 0 {
				leg.Add(fmt.Sprintf("%s ×%d", prefix, len(traces)), l)
			}
			continue
		}
		name := tr.Name
		if name == "" {
			name = fmt.Sprint(k)
		}
		leg.Add(prefix+": "+name, l)
	}
	return nil
}

// trialsAddRuns adds a target's scored stretches to p as one line (gaps
// where it is not scored) and its unscored stretches as dotted grey
// lines. The segment from step t to t+1 belongs to step t's stretch. It
// returns the scored line, for the caller to style and put in the legend.
func trialsAddRuns(p *plot.Plot, xys plotter.XYs, scored []bool) (*plotter.Line, error) {
	// plotter.Line cannot leave gaps, so the scored runs are drawn one by
	// one in the style of one line.
	scoredLine := &trialsRuns{}
	for a := 0; a < len(xys); {
		b := a + 1
		for b < len(xys) && scored[b] == scored[a] {
			b++
		}
		end := min(b+1, len(xys)) // include the next step's point: runs join
		run := xys[a:end]
		if scored[a] {
			scoredLine.runs = append(scoredLine.runs, run)
		} else {
			l, err := plotter.NewLine(run)
			if err != nil {
				return nil, err
			}
			trialsUnscoredStyle(l)
			if len(run) == 1 { // a lone last step: mark it
				sc, _ := plotter.NewScatter(run)
				sc.Color, sc.Shape, sc.Radius = TrialsUnscoredColor, draw.CircleGlyph{}, vg.Points(1)
				p.Add(sc)
			}
			p.Add(l)
		}
		a = b
	}
	l, err := plotter.NewLine(xys[:1])
	if err != nil {
		return nil, err
	}
	scoredLine.line = l
	p.Add(scoredLine)
	return l, nil
}

// trialsRuns draws several stretches of points in the style of one line.
type trialsRuns struct {
	line *plotter.Line
	runs []plotter.XYs
}

func (r *trialsRuns) Plot(c draw.Canvas, p *plot.Plot) {
	for _, run := range r.runs {
		l := *r.line
		l.XYs = run
		l.Plot(c, p)
	}
}

// trialsUnscoredStyle styles l as an unscored target: grey and dotted.
func trialsUnscoredStyle(l *plotter.Line) {
	l.Color = TrialsUnscoredColor
	l.Width = vg.Points(1.6)
	l.Dashes = []vg.Length{vg.Points(1.2), vg.Points(2.2)}
}

// trialsAnyUnscored reports whether a target has a step that is not scored.
func trialsAnyUnscored(targets []Trace) bool {
	for _, t := range targets {
		for _, s := range t.Scored {
			if !s {
				return true
			}
		}
	}
	return false
}

// trialsInputColor gives inputs muted colours distinct from the outputs.
func trialsInputColor(k, n int) color.Color {
	if n > trialsGroup {
		g := uint8(80 + 120*k/max(n-1, 1))
		return color.RGBA{R: g / 2, G: g / 2, B: g, A: 0xFF}
	}
	muted := []color.Color{
		color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xFF}, // grey
		panelPalette[5], // sky blue
		panelPalette[6], // dark yellow
		panelPalette[3], // reddish purple
	}
	if k < len(muted) {
		return muted[k]
	}
	return panelColor(k + 4)
}

// trialsOutputColor gives output k (and its target) a strong colour.
func trialsOutputColor(k, n int) color.Color {
	if n > trialsGroup {
		g := uint8(60 + 150*k/max(n-1, 1))
		return color.RGBA{R: g, G: g / 3, B: 0, A: 0xFF}
	}
	strong := []color.Color{panelPalette[1], panelPalette[0], panelPalette[2], panelPalette[4]}
	if k < len(strong) {
		return strong[k]
	}
	return panelColor(k + 4)
}

// trialsLen returns the number of time steps of the trial's first trace.
func trialsLen(tr Trial) int {
	for _, group := range [][]Trace{tr.Inputs, tr.Targets, tr.Outputs} {
		if len(group) > 0 {
			return len(group[0].Values)
		}
	}
	return 0
}

func trialsCheck(i int, tr Trial) error {
	if len(tr.Inputs)+len(tr.Targets)+len(tr.Outputs) == 0 {
		return fmt.Errorf("figure: trial %d has no inputs, targets or outputs: need at least one trace", i)
	}
	T := trialsLen(tr)
	if T == 0 {
		return fmt.Errorf("figure: trial %d has traces with no values: need at least one time step", i)
	}
	for _, g := range []struct {
		kind   string
		traces []Trace
	}{{"input", tr.Inputs}, {"target", tr.Targets}, {"output", tr.Outputs}} {
		for k, t := range g.traces {
			if len(t.Values) != T {
				return fmt.Errorf("figure: trial %d %s %d (%q) has %d time steps, the trial's first trace %d: must be equal", i, g.kind, k, t.Name, len(t.Values), T)
			}
			if err := panelFinite(fmt.Sprintf("trial %d %s %d (%q)", i, g.kind, k, t.Name), t.Values); err != nil {
				return err
			}
			if t.Scored != nil && g.kind != "target" {
				return fmt.Errorf("figure: trial %d %s %d (%q) sets Scored: only targets may (inputs and outputs are not scored)", i, g.kind, k, t.Name)
			}
			if t.Scored != nil && len(t.Scored) != T {
				return fmt.Errorf("figure: trial %d target %d (%q) has %d Scored flags and %d time steps: must be equal (or Scored nil)", i, k, t.Name, len(t.Scored), T)
			}
		}
	}
	for _, p := range tr.Periods {
		if p.Start < 0 || p.End > T || p.End <= p.Start {
			return fmt.Errorf("figure: trial %d period %q = [%d, %d) is not allowed: must satisfy 0 ≤ Start < End ≤ %d (the trial's steps)", i, p.Name, p.Start, p.End, T)
		}
	}
	return nil
}

// trialsPeriods shades periods in alternating greys and names them at the
// top of the data area. It has no data range of its own.
type trialsPeriods struct {
	periods []Period
	scale   float64
}

func (tp *trialsPeriods) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := text.Style{
		Color:   color.Gray{Y: 0x50},
		Font:    font.From(panelFont, 9),
		XAlign:  draw.XCenter,
		YAlign:  draw.YTop,
		Handler: plot.DefaultTextHandler,
	}
	shades := []color.Color{color.Gray{Y: 0xEC}, color.Gray{Y: 0xF6}}
	for i, per := range tp.periods {
		// Step t covers [t, t+1) × scale, except the last step ends the axis.
		x0 := trX(float64(per.Start) * tp.scale)
		x1 := trX(float64(per.End) * tp.scale)
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 <= x0 {
			continue
		}
		pts := []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}}
		c.FillPolygon(shades[i%2], pts)
		if per.Name != "" && sty.Width(per.Name) < x1-x0 {
			c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: c.Max.Y - vg.Points(1)}, per.Name)
		}
	}
}
