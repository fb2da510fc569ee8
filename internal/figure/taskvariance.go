package figure

// Yang et al. 2019's task-variance figures (Nat Neurosci 22:297, Fig. 2b–d
// and Fig. 3): the normalised task variance map with the units' clusters,
// the silhouette score against the number of clusters, and histograms of
// fractional task variance for pairs of tasks.

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TaskVarianceMapPlot is the normalised task variance map (Fig. 2b): one
// row per task, one column per unit, values in [0, 1] from black through
// red and yellow to white (matplotlib's 'hot', as in the paper), with a
// strip under the map giving each unit's cluster.
type TaskVarianceMapPlot struct {
	// XLabel defaults to "units (sorted by cluster)", or "units" without
	// Clusters.
	Title, XLabel string
	// Tasks name the rows, top to bottom.
	Tasks []string
	// Units is the number of units; Values is Units × len(Tasks),
	// row-major (analysis.TaskVarianceResult.Norm's layout, one row per
	// unit), in the order the units are drawn left to right. Values are
	// clamped to [0, 1].
	Units  int
	Values []float64
	// Clusters, when not nil, is each unit's cluster (≥ 0, in the drawing
	// order); each run of equal clusters gets a coloured stretch of the
	// strip, numbered from 1 as in the paper.
	Clusters []int
	// Width, Height are the PNG's size in pixels; 0 selects 900 by
	// 150 + 24 per task.
	Width, Height int
}

// TaskVarianceMap writes the map tv to path as a PNG. It returns an
// error, and writes nothing, for no task or unit, Values of the wrong
// length or not finite, Clusters of the wrong length or negative, or a
// bad size.
func TaskVarianceMap(path string, tv TaskVarianceMapPlot) error {
	T, U := len(tv.Tasks), tv.Units
	if T < 1 || U < 1 {
		return fmt.Errorf("figure: task variance map: %d tasks and %d units: need at least one of each", T, U)
	}
	if len(tv.Values) != U*T {
		return fmt.Errorf("figure: task variance map: %d values for %d units × %d tasks = %d", len(tv.Values), U, T, U*T)
	}
	if err := panelFinite("task variance map Values", tv.Values); err != nil {
		return err
	}
	if tv.Clusters != nil && len(tv.Clusters) != U {
		return fmt.Errorf("figure: task variance map: %d cluster labels for %d units", len(tv.Clusters), U)
	}
	for i, c := range tv.Clusters {
		if c < 0 {
			return fmt.Errorf("figure: task variance map: cluster %d of unit %d is not allowed: must be ≥ 0", c, i)
		}
	}
	w, h, err := panelSize(tv.Width, tv.Height, 900, 150+24*T)
	if err != nil {
		return err
	}
	xlabel := tv.XLabel
	if xlabel == "" {
		xlabel = "units"
		if tv.Clusters != nil {
			xlabel = "units (sorted by cluster)"
		}
	}
	cm := moreland.BlackBody()
	cm.SetMin(0)
	cm.SetMax(1)
	colorOf := func(v float64) color.Color {
		c, err := cm.At(min(max(v, 0), 1))
		if err != nil {
			return NaNColor
		}
		return c
	}
	p := panelNewPlot(tv.Title, xlabel, "")
	p.Add(&raster{g: tvGrid{tasks: T, units: U, v: tv.Values}, color: colorOf})
	p.X.Min, p.X.Max = -0.5, float64(U)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(T)-0.5
	p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}}
	ticks := make(plot.ConstantTicks, T)
	for i, name := range tv.Tasks {
		ticks[i] = plot.Tick{Value: float64(i), Label: name}
	}
	p.Y.Tick.Marker = ticks
	p.Y.Tick.Length = 0
	p.Y.LineStyle.Width = 0
	p.X.Tick.Marker = plot.ConstantTicks{}
	p.X.LineStyle.Width = 0
	numStyle := p.X.Tick.Label
	numStyle.Font = font.From(panelFont, 9)
	numStyle.XAlign, numStyle.YAlign = draw.XCenter, draw.YTop
	stripGap, stripH := vg.Points(3), vg.Points(9)
	if tv.Clusters != nil {
		p.X.Padding = stripGap + stripH + vg.Points(3) + numStyle.Height("0")
	}
	return savePNG(path, w, h, func(c draw.Canvas) error {
		c = panelFrame(c)
		barW := vg.Points(12)
		side := barW + vg.Points(70)
		mainC := draw.Crop(c, 0, -side, 0, 0)
		p.Draw(mainC)
		dc := p.DataCanvas(mainC)
		if tv.Clusters != nil {
			tvStrip(mainC, p, dc, tv.Clusters, stripGap, stripH, numStyle)
		}
		tvColorBar(c, dc, cm, barW, numStyle)
		return nil
	})
}

// tvGrid is the map's Grid: tasks are rows, units columns, read from a
// units × tasks row-major slice.
type tvGrid struct {
	tasks, units int
	v            []float64
}

func (g tvGrid) Dims() (int, int)    { return g.tasks, g.units }
func (g tvGrid) At(i, j int) float64 { return g.v[j*g.tasks+i] }

// tvStrip draws the cluster strip under the data area dc of p: one
// coloured stretch per run of equal labels, numbered from 1 where the
// number fits.
func tvStrip(c draw.Canvas, p *plot.Plot, dc draw.Canvas, labels []int, gap, height vg.Length, sty draw.TextStyle) {
	trX, _ := p.Transforms(&dc)
	top := dc.Min.Y - gap
	bottom := top - height
	for a := 0; a < len(labels); {
		b := a + 1
		for b < len(labels) && labels[b] == labels[a] {
			b++
		}
		x0, x1 := trX(float64(a)-0.5), trX(float64(b)-0.5)
		r := vg.Rectangle{Min: vg.Point{X: x0, Y: bottom}, Max: vg.Point{X: x1, Y: top}}
		c.SetColor(panelColor(labels[a]))
		c.Fill(r.Path())
		num := strconv.Itoa(labels[a] + 1)
		if sty.Width(num)+vg.Points(2) <= x1-x0 {
			sty.Color = panelColor(labels[a])
			c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: bottom - vg.Points(2)}, num)
		}
		a = b
	}
}

// tvColorBar draws a vertical colour bar of cm (on [0, 1]) right of the
// data area dc, as tall as it, with ticks at 0, 0.5 and 1 and its label.
func tvColorBar(c, dc draw.Canvas, cm palette.ColorMap, width vg.Length, sty draw.TextStyle) {
	x0 := dc.Max.X + vg.Points(14)
	x1 := x0 + width
	y0, y1 := dc.Min.Y, dc.Max.Y
	const n = 256
	for k := range n {
		col, err := cm.At((float64(k) + 0.5) / n)
		if err != nil {
			continue
		}
		r := vg.Rectangle{
			Min: vg.Point{X: x0, Y: y0 + (y1-y0)*vg.Length(k)/n},
			Max: vg.Point{X: x1, Y: y0 + (y1-y0)*vg.Length(k+1)/n + vg.Points(0.3)},
		}
		c.SetColor(col)
		c.Fill(r.Path())
	}
	outline := vg.Rectangle{Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x1, Y: y1}}
	c.SetColor(color.Gray{Y: 0x60})
	c.SetLineWidth(vg.Points(0.5))
	c.Stroke(outline.Path())
	sty.Color = color.Black
	sty.Font = font.From(panelFont, 10)
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	labelX := x1 + vg.Points(4)
	for _, v := range []float64{0, 0.5, 1} {
		y := y0 + (y1-y0)*vg.Length(v)
		c.StrokeLine2(draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}, x1, y, x1+vg.Points(2), y)
		c.FillText(sty, vg.Point{X: labelX, Y: y}, strconv.FormatFloat(v, 'g', -1, 64))
	}
	sty.Font = font.From(panelFont, 11)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	sty.Rotation = math.Pi / 2
	c.FillText(sty, vg.Point{X: labelX + sty.Width("0.5") + vg.Points(6), Y: (y0 + y1) / 2}, "normalised task variance")
}

// SilhouettePlot is the silhouette score against the number of clusters
// (Fig. 2c), the chosen number marked.
type SilhouettePlot struct {
	// Title defaults to "Chosen number of clusters: K", as in the paper.
	Title string
	// Ks are the numbers of clusters tried and Scores their silhouette
	// scores (analysis.TaskClusters.Ks and Scores).
	Ks     []int
	Scores []float64
	// Chosen is the number of clusters to mark: one of Ks, or 0 for the
	// k of the highest score.
	Chosen int
	// Width, Height are the PNG's size in pixels; 0 selects 640×460.
	Width, Height int
}

// SilhouetteScores writes sp to path as a PNG. It returns an error, and
// writes nothing, for no scores, Ks and Scores of different lengths, a
// NaN or infinite score, a Chosen that is not in Ks, or a bad size.
func SilhouetteScores(path string, sp SilhouettePlot) error {
	if len(sp.Ks) == 0 || len(sp.Ks) != len(sp.Scores) {
		return fmt.Errorf("figure: silhouette: %d ks and %d scores: need at least one, a score each", len(sp.Ks), len(sp.Scores))
	}
	if err := panelFinite("silhouette Scores", sp.Scores); err != nil {
		return err
	}
	w, h, err := panelSize(sp.Width, sp.Height, 640, 460)
	if err != nil {
		return err
	}
	chosen := -1
	for i, k := range sp.Ks {
		if sp.Chosen == 0 && (chosen < 0 || sp.Scores[i] > sp.Scores[chosen]) || sp.Chosen != 0 && k == sp.Chosen {
			chosen = i
		}
	}
	if chosen < 0 {
		return fmt.Errorf("figure: silhouette: chosen k = %d is not one of the ks %v", sp.Chosen, sp.Ks)
	}
	title := sp.Title
	if title == "" {
		title = fmt.Sprintf("Chosen number of clusters: %d", sp.Ks[chosen])
	}
	p := panelNewPlot(title, "number of clusters", "silhouette score")
	p.Add(plotter.NewGrid())
	xy := make(plotter.XYs, len(sp.Ks))
	klo, khi := math.Inf(1), math.Inf(-1)
	slo, shi := 0.0, 0.0
	for i, k := range sp.Ks {
		xy[i] = plotter.XY{X: float64(k), Y: sp.Scores[i]}
		klo, khi = min(klo, float64(k)), max(khi, float64(k))
		slo, shi = min(slo, sp.Scores[i]), max(shi, sp.Scores[i])
	}
	line, points, err := plotter.NewLinePoints(xy)
	if err != nil {
		return fmt.Errorf("figure: silhouette: %v", err)
	}
	line.Color, line.Width = panelColor(0), vg.Points(1.5)
	points.GlyphStyle = draw.GlyphStyle{Color: panelColor(0), Shape: draw.CircleGlyph{}, Radius: vg.Points(2.5)}
	mark, err := plotter.NewScatter(plotter.XYs{xy[chosen]})
	if err != nil {
		return fmt.Errorf("figure: silhouette: %v", err)
	}
	mark.GlyphStyle = draw.GlyphStyle{Color: panelColor(1), Shape: draw.RingGlyph{}, Radius: vg.Points(6)}
	p.Add(line, points, mark)
	panelPad(&p.X, klo, khi, 0.04)
	panelPad(&p.Y, slo, shi, 0.06)
	leg := panelNewLegend()
	leg.Add("silhouette", line, points)
	leg.Add(fmt.Sprintf("chosen: %d", sp.Ks[chosen]), mark)
	return savePNG(path, w, h, func(c draw.Canvas) error {
		panelDraw(panelFrame(c), p, &leg)
		return nil
	})
}

// FTVPanel is the fractional task variance histogram of one pair of
// tasks: Counts[j] units in bin j of len(Counts) equal bins over [−1, 1]
// (analysis.FTVHistogram).
type FTVPanel struct {
	A, B   string
	Counts []int
}

// FTVPlot is a grid of fractional task variance histograms (Fig. 2d,
// Fig. 3), one panel per pair of tasks, each drawn as the fraction of its
// units per bin.
type FTVPlot struct {
	Title  string
	Panels []FTVPanel
	// Cols is the number of panels per row (0 → all in one row, at most
	// 4); a last row left short is padded with empty space.
	Cols int
	// Width, Height are the PNG's size in pixels; 0 selects 330 per
	// column by 40 + 300 per row.
	Width, Height int
}

// ftvMaxPanels bounds the panels of an FTVPlot.
const ftvMaxPanels = 64

// FTVHistograms writes fp to path as a PNG. It returns an error, and
// writes nothing, for no panels or more than 64, Cols < 0, a panel
// without a task name, without bins, with a negative count or with no
// unit at all, or a bad size.
func FTVHistograms(path string, fp FTVPlot) error {
	n := len(fp.Panels)
	if n == 0 || n > ftvMaxPanels {
		return fmt.Errorf("figure: ftv: %d panels is not allowed: need 1 … %d", n, ftvMaxPanels)
	}
	if fp.Cols < 0 {
		return fmt.Errorf("figure: ftv: cols = %d is not allowed: must be ≥ 0 (0 selects up to 4)", fp.Cols)
	}
	cols := fp.Cols
	if cols == 0 {
		cols = min(n, 4)
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	w, h, err := panelSize(fp.Width, fp.Height, 330*cols, 40+300*rows)
	if err != nil {
		return err
	}
	plots := make([][]*plot.Plot, rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, cols)
	}
	for i, pn := range fp.Panels {
		if pn.A == "" || pn.B == "" {
			return fmt.Errorf("figure: ftv: panel %d names tasks %q and %q: both must be named", i, pn.A, pn.B)
		}
		bins := len(pn.Counts)
		if bins == 0 {
			return fmt.Errorf("figure: ftv: panel %d (%s, %s) has no bins", i, pn.A, pn.B)
		}
		total := 0
		for j, c := range pn.Counts {
			if c < 0 {
				return fmt.Errorf("figure: ftv: panel %d (%s, %s) count %d of bin %d is not allowed: must be ≥ 0", i, pn.A, pn.B, c, j)
			}
			total += c
		}
		if total == 0 {
			return fmt.Errorf("figure: ftv: panel %d (%s, %s) has no units: every count is 0", i, pn.A, pn.B)
		}
		ylabel := ""
		if i%cols == 0 {
			ylabel = "fraction of units"
		}
		p := panelNewPlot(fmt.Sprintf("n = %d", total), fmt.Sprintf("FTV(%s, %s)", pn.A, pn.B), ylabel)
		p.Title.TextStyle.Font = font.From(panelFont, 11)
		p.Add(plotter.NewGrid())
		width := 2 / float64(bins)
		var hb []plotter.HistogramBin
		top := 0.0
		for j, c := range pn.Counts {
			if c == 0 {
				continue
			}
			f := float64(c) / float64(total)
			hb = append(hb, plotter.HistogramBin{Min: -1 + float64(j)*width, Max: -1 + float64(j+1)*width, Weight: f})
			top = max(top, f)
		}
		col := panelColor(0)
		hist := &plotter.Histogram{Bins: hb, Width: width, FillColor: panelFade(col, 0.6)}
		hist.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(0.7)}
		p.Add(hist)
		p.X.Min, p.X.Max = -1.1, 1.1
		p.Y.Min, p.Y.Max = 0, histTop(top)
		plots[i/cols][i%cols] = p
	}
	for i := n; i < rows*cols; i++ {
		p := plot.New()
		p.HideAxes()
		plots[i/cols][i%cols] = p
	}
	return savePNG(path, w, h, func(c draw.Canvas) error {
		panelGrid(panelFrame(c), fp.Title, plots, nil)
		return nil
	})
}
