package figure

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PsychometricCondition is one condition's psychometric data: at signed
// evidence Evidence[i] (e.g. signed coherence, positive favours "right"),
// a fraction PRight[i] of N[i] trials chose "right". With N given, each
// point gets a binomial standard-error bar. An optional fitted curve is
// given either as a function (Fit, sampled over the evidence range) or as
// sampled points (FitX, FitY), not both.
type PsychometricCondition struct {
	Name     string
	Evidence []float64
	PRight   []float64
	N        []int // trials per point; nil for no error bars
	Fit      func(x float64) float64
	FitX     []float64
	FitY     []float64
	// Notes are extra legend lines under the condition's name, such as the
	// fitted parameters or why there is no fit.
	Notes []string
}

// PsychometricPlot is a psychometric figure: one colour per condition
// (e.g. per context), points with error bars and fitted curves.
type PsychometricPlot struct {
	// Title defaults to "Psychometric curve"; XLabel to "signed evidence";
	// YLabel to "P(choose right)".
	Title, XLabel, YLabel string
	Conditions            []PsychometricCondition
	// Width, Height are the PNG's size in pixels; 0 selects 700×500.
	Width, Height int
}

// PsychometricPanel is one panel of a PsychometricGrid.
type PsychometricPanel struct {
	// XLabel defaults to "signed evidence", YLabel to "P(choose right)".
	Title, XLabel, YLabel string
	Conditions            []PsychometricCondition
	// Muted draws the panel's points and curves in a light version of
	// their colour, the fitted curves dashed: for panels whose evidence
	// should not drive the choice (the irrelevant modality of a
	// context-dependent task).
	Muted bool
}

// PsychometricGrid is a figure of Rows × Cols psychometric panels, such
// as Mante et al. 2013's layout of context-dependent decisions (rows: the
// context; columns: the modality on the x axis). The panels of one row
// share their colours: condition k of a panel in row r has the colour of
// series r + k.
type PsychometricGrid struct {
	Title      string
	Rows, Cols int
	// Panels are in row-major order: Rows × Cols of them.
	Panels []PsychometricPanel
	// Width, Height are the PNG's size in pixels; 0 selects 560 per
	// column and 400 per row (plus 40 for a title).
	Width, Height int
}

// psychometricMaxPanels bounds Rows × Cols of a PsychometricGrid.
const psychometricMaxPanels = 64

// Psychometric writes the psychometric figure pp to path as a PNG. It
// returns an error, and writes nothing, for no condition, a condition with
// no points, lengths that differ, a NaN or infinite value, a fraction
// outside [0, 1], a negative count, or both Fit and FitX/FitY set.
func Psychometric(path string, pp PsychometricPlot) error {
	w, h, err := panelSize(pp.Width, pp.Height, 700, 500)
	if err != nil {
		return err
	}
	if len(pp.Conditions) == 0 {
		return fmt.Errorf("figure: psychometric: no condition to draw: need at least one")
	}
	title := pp.Title
	if title == "" {
		title = "Psychometric curve"
	}
	p, leg, err := psychometricPanel(PsychometricPanel{Title: title, XLabel: pp.XLabel, YLabel: pp.YLabel, Conditions: pp.Conditions}, 0)
	if err != nil {
		return err
	}
	return savePNG(path, w, h, func(cv draw.Canvas) error {
		panelDraw(panelFrame(cv), p, &leg)
		return nil
	})
}

// PsychometricPanels writes the grid of psychometric panels pg to path as
// a PNG, each panel with its legend on its right. It returns an error, and
// writes nothing, when Rows or Cols is below 1, there are more than 64
// panels, len(Panels) is not Rows × Cols, a panel has no condition, or a
// condition is not valid as for Psychometric.
func PsychometricPanels(path string, pg PsychometricGrid) error {
	if pg.Rows < 1 || pg.Cols < 1 || pg.Rows*pg.Cols > psychometricMaxPanels {
		return fmt.Errorf("figure: psychometric grid of %d × %d panels is not allowed: Rows and Cols must be ≥ 1, Rows × Cols ≤ %d", pg.Rows, pg.Cols, psychometricMaxPanels)
	}
	if len(pg.Panels) != pg.Rows*pg.Cols {
		return fmt.Errorf("figure: psychometric grid has %d panels: %d × %d needs %d", len(pg.Panels), pg.Rows, pg.Cols, pg.Rows*pg.Cols)
	}
	defH := 400 * pg.Rows
	if pg.Title != "" {
		defH += 40
	}
	w, h, err := panelSize(pg.Width, pg.Height, 560*pg.Cols, defH)
	if err != nil {
		return err
	}
	plots := make([][]*plot.Plot, pg.Rows)
	legs := make([][]plot.Legend, pg.Rows)
	for r := range pg.Rows {
		for c := range pg.Cols {
			pn := pg.Panels[r*pg.Cols+c]
			if len(pn.Conditions) == 0 {
				return fmt.Errorf("figure: psychometric grid panel (row %d, column %d) %q has no condition to draw: need at least one", r, c, pn.Title)
			}
			p, leg, err := psychometricPanel(pn, r)
			if err != nil {
				return err
			}
			p.Title.TextStyle.Font.Size = vg.Points(12)
			plots[r] = append(plots[r], p)
			legs[r] = append(legs[r], leg)
		}
	}
	return savePNG(path, w, h, func(cv draw.Canvas) error {
		panelGrid(panelFrame(cv), pg.Title, plots, legs)
		return nil
	})
}

// psychometricMuted is how much of a muted panel's colour is white.
const psychometricMuted = 0.55

// psychometricPanel builds one panel: points with error bars, fitted
// curves and a chance line; its conditions take the colours of series
// first, first+1, ....
func psychometricPanel(pn PsychometricPanel, first int) (*plot.Plot, plot.Legend, error) {
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for i, c := range pn.Conditions {
		if err := psychometricCheck(i, c); err != nil {
			return nil, plot.Legend{}, err
		}
		lo, hi := linesRange(c.Evidence)
		xlo, xhi = math.Min(xlo, lo), math.Max(xhi, hi)
	}
	xl, yl := pn.XLabel, pn.YLabel
	if xl == "" {
		xl = "signed evidence"
	}
	if yl == "" {
		yl = "P(choose right)"
	}
	p := panelNewPlot(pn.Title, xl, yl)
	p.Y.Min, p.Y.Max = -0.02, 1.02
	panelPad(&p.X, xlo, xhi, 0.04)
	p.Add(plotter.NewGrid())
	// Chance line.
	if xlo < xhi {
		chance, _ := plotter.NewLine(plotter.XYs{{X: xlo, Y: 0.5}, {X: xhi, Y: 0.5}})
		chance.Color = panelFade(panelPalette[7], 0.4)
		chance.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		p.Add(chance)
	}
	leg := panelNewLegend()
	named := len(pn.Conditions) > 1
	for i, c := range pn.Conditions {
		col := panelColor(first + i)
		if pn.Muted {
			col = panelLighten(col, psychometricMuted)
		}
		pts := linesXYs(c.Evidence, c.PRight)
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, leg, fmt.Errorf("figure: psychometric condition %q: %v", c.Name, err)
		}
		sc.Color = col
		sc.Shape = draw.CircleGlyph{}
		sc.Radius = vg.Points(3.5)
		thumbs := []plot.Thumbnailer{sc}
		if c.N != nil {
			errs := make(plotter.YErrors, len(c.N))
			for j, n := range c.N {
				se := 0.0
				if n > 0 {
					q := c.PRight[j]
					se = math.Sqrt(q * (1 - q) / float64(n))
				}
				errs[j].Low, errs[j].High = se, se
			}
			eb, err := plotter.NewYErrorBars(struct {
				plotter.XYs
				plotter.YErrors
			}{pts, errs})
			if err != nil {
				return nil, leg, fmt.Errorf("figure: psychometric condition %q: %v", c.Name, err)
			}
			eb.Color = col
			eb.CapWidth = vg.Points(5)
			p.Add(eb)
		}
		fx, fy := c.FitX, c.FitY
		if c.Fit != nil {
			fx, fy = psychometricSample(c.Fit, xlo, xhi)
			if err := panelFinite(fmt.Sprintf("psychometric condition %q fitted curve", c.Name), fy); err != nil {
				return nil, leg, err
			}
		}
		if len(fx) > 0 {
			l, err := plotter.NewLine(linesXYs(fx, fy))
			if err != nil {
				return nil, leg, fmt.Errorf("figure: psychometric condition %q fit: %v", c.Name, err)
			}
			l.Color = col
			l.Width = vg.Points(1.5)
			if pn.Muted {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			p.Add(l)
			thumbs = append(thumbs, l)
		}
		p.Add(sc)
		notes := c.Notes
		if named || c.Name != "" {
			name := c.Name
			if name == "" {
				name = fmt.Sprintf("condition %d", i)
			}
			leg.Add(name, thumbs...)
		} else if len(notes) > 0 { // the first note carries the swatch
			leg.Add(notes[0], thumbs...)
			notes = notes[1:]
		}
		for _, n := range notes {
			leg.Add(n)
		}
	}
	return p, leg, nil
}

// psychometricSample samples f at 201 points over [lo, hi].
func psychometricSample(f func(float64) float64, lo, hi float64) (x, y []float64) {
	const n = 201
	if lo == hi {
		lo, hi = lo-1, hi+1
	}
	x = make([]float64, n)
	y = make([]float64, n)
	for i := range n {
		x[i] = lo + (hi-lo)*float64(i)/(n-1)
		y[i] = f(x[i])
	}
	return x, y
}

func psychometricCheck(i int, c PsychometricCondition) error {
	name := c.Name
	if name == "" {
		name = fmt.Sprint(i)
	}
	if len(c.Evidence) == 0 {
		return fmt.Errorf("figure: psychometric condition %q has no points: need at least one", name)
	}
	if len(c.PRight) != len(c.Evidence) {
		return fmt.Errorf("figure: psychometric condition %q has %d evidence and %d PRight values: must be equal", name, len(c.Evidence), len(c.PRight))
	}
	if c.N != nil && len(c.N) != len(c.Evidence) {
		return fmt.Errorf("figure: psychometric condition %q has %d evidence values and %d counts N: must be equal (or N nil)", name, len(c.Evidence), len(c.N))
	}
	if err := panelFinite(fmt.Sprintf("psychometric condition %q Evidence", name), c.Evidence); err != nil {
		return err
	}
	for j, q := range c.PRight {
		if !(q >= 0 && q <= 1) {
			return fmt.Errorf("figure: psychometric condition %q PRight[%d] = %v is not allowed: must be in [0, 1]", name, j, q)
		}
	}
	for j, n := range c.N {
		if n < 0 {
			return fmt.Errorf("figure: psychometric condition %q N[%d] = %d is not allowed: must be ≥ 0", name, j, n)
		}
	}
	if c.Fit != nil && (c.FitX != nil || c.FitY != nil) {
		return fmt.Errorf("figure: psychometric condition %q sets both Fit and FitX/FitY: give the fitted curve one way", name)
	}
	if len(c.FitX) != len(c.FitY) {
		return fmt.Errorf("figure: psychometric condition %q has %d FitX and %d FitY values: must be equal", name, len(c.FitX), len(c.FitY))
	}
	if err := panelFinite(fmt.Sprintf("psychometric condition %q FitX", name), c.FitX); err != nil {
		return err
	}
	return panelFinite(fmt.Sprintf("psychometric condition %q FitY", name), c.FitY)
}
