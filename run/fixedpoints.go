package run

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dale-rnn/dale/analysis"
	"github.com/dale-rnn/dale/internal/figure"
	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/rnn"
)

// FixedPointsReport is the fixed and slow points of a network at one
// constant input.
type FixedPointsReport struct {
	// Label names the input ("zero input", "context 1").
	Label  string
	Input  []float64
	Result *analysis.FixedPointResult
	// Selection (tasks with modalities and contexts: ctxdm) is, per point
	// and modality, |l · (α ⊙ Δu_m W_in)|: how much a unit of that
	// modality's evidence moves the state along the point's slowest mode
	// (l: the left eigenvector of its largest |λ|, Mante et al.'s
	// selection vector); Modalities names the columns.
	Selection  [][]float64
	Modalities []string
	// Context is the context of the input (0 when none), and Relevant the
	// index in Modalities of the modality it makes relevant (−1 when none).
	Context  float64
	Relevant int
	Files    []string
}

// Summary is one line: how many points of each stability.
func (r *FixedPointsReport) Summary() string {
	stable, unstable, marginal, slow := 0, 0, 0, 0
	saddles := map[int]int{}
	maxQ := 0.0
	for _, p := range r.Result.Points {
		if p.Slow {
			slow++
			maxQ = math.Max(maxQ, p.Q)
			continue
		}
		switch p.Stability {
		case "stable":
			stable++
		case "saddle":
			saddles[p.Unstable]++
		case "marginal":
			marginal++
		default:
			unstable++
		}
		maxQ = math.Max(maxQ, p.Q)
	}
	var ks []int
	nSaddle := 0
	for k, n := range saddles {
		ks = append(ks, k)
		nSaddle += n
	}
	sort.Ints(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%d with %d unstable", saddles[k], k))
	}
	s := fmt.Sprintf("fixed points (%s): %d stable, %d saddles", r.Label, stable, nSaddle)
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if marginal > 0 {
		s += fmt.Sprintf(", %d marginal", marginal)
	}
	s += fmt.Sprintf(", %d unstable; %d slow points; from %d initial states, largest q %.2g", unstable, slow, r.Result.Tried, maxQ)
	if r.Relevant >= 0 && len(r.Selection) > 0 {
		var ratios []float64
		for _, sel := range r.Selection {
			irr := sel[1-r.Relevant]
			if irr > 0 {
				ratios = append(ratios, sel[r.Relevant]/irr)
			}
		}
		if len(ratios) > 0 {
			sort.Float64s(ratios)
			s += fmt.Sprintf("; selection vector: relevant/irrelevant input projection, median over the points %.3g (range %.3g–%.3g)", ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
		}
	}
	return s
}

// fixedPointInputs are the constant inputs of the fixed points: the
// user's, or per context the mean input over the stimulus period of that
// context's trials (the cue on, the stimuli at their mean: no net
// evidence), or zeros.
func (d *Dir) fixedPointInputs(ev *Evaluation, user []float64) (labels []string, inputs [][]float64, trialsOf [][]int) {
	b := ev.Batch()
	all := make([]int, b.Size)
	for k := range all {
		all[k] = k
	}
	if user != nil {
		return []string{"given input"}, [][]float64{user}, [][]int{all}
	}
	byCtx := map[float64][]int{}
	for k, tr := range b.Trials {
		if c, ok := tr.Conditions["context"]; ok {
			byCtx[c] = append(byCtx[c], k)
		}
	}
	if len(byCtx) < 2 {
		return []string{"zero input"}, [][]float64{make([]float64, b.In)}, [][]int{all}
	}
	var cs []float64
	for c := range byCtx {
		cs = append(cs, c)
	}
	sort.Float64s(cs)
	for _, c := range cs {
		u := make([]float64, b.In)
		n := 0
		for _, k := range byCtx[c] {
			p, ok := b.Trials[k].Period("stimulus")
			if !ok {
				continue
			}
			for s := p.Start; s < p.End; s++ {
				for i := range b.In {
					u[i] += float64(b.Inputs[(k*b.Steps+s)*b.In+i])
				}
				n++
			}
		}
		if n > 0 {
			for i := range u {
				u[i] /= float64(n)
			}
		}
		labels = append(labels, fmt.Sprintf("context %g", c))
		inputs = append(inputs, u)
		trialsOf = append(trialsOf, byCtx[c])
	}
	return labels, inputs, trialsOf
}

// slowQ is the largest q of a slow point kept for context tasks: at
// q = ½‖F(v) − v‖² = 1e-4 the state moves by about 0.014 per step, 1.4
// per second at dt = 10 ms — slow against the trials' excursions of
// several units.
const slowQ = 1e-4

// selection fills rep's Selection for a task with two modality inputs
// ("mod1", "mod2") and a context condition.
func (d *Dir) selection(rep *FixedPointsReport, dyn *rnn.Dynamics, cond map[string]float64) {
	start := 0
	var mods [][2]int // first index, width
	for _, c := range d.Task.Inputs() {
		if strings.HasPrefix(c.Name, "mod") && c.Size == 2 {
			mods = append(mods, [2]int{start, c.Size})
			rep.Modalities = append(rep.Modalities, c.Name)
		}
		start += c.Size
	}
	ctx, ok := cond["context"]
	if len(mods) != 2 || !ok {
		rep.Modalities = nil
		return
	}
	rep.Context, rep.Relevant = ctx, int(ctx)-1
	N := dyn.N
	for _, p := range rep.Result.Points {
		if len(p.Left) == 0 {
			continue
		}
		sel := make([]float64, len(mods))
		for m, md := range mods {
			// Δu: one unit of evidence for the first direction against the
			// second.
			var s complex128
			for i := range N {
				dd := dyn.WIn[md[0]*N+i] - dyn.WIn[(md[0]+1)*N+i]
				s += p.Left[0][i] * complex(dyn.Alpha[i]*dd, 0)
			}
			sel[m] = cmplx.Abs(s)
		}
		rep.Selection = append(rep.Selection, sel)
	}
}

// fixedPointStates is how many initial states FixedPoints samples per input.
const fixedPointStates = 1024

// FixedPoints finds the fixed and slow points of m (analysis.FixedPoints
// on m.Dynamics()) at each constant input — the user's, or per context
// the stimulus period's mean input, or zeros — from 1024 initial states
// sampled on the network's own trajectories over the trials of ev, and
// writes fixedpoints_K.npz and figures into out: the points in the plane
// of the trajectories' first two principal components, coloured by
// stability, the trajectories faint; and the points' eigenvalue spectra
// with the unit circle.
func (d *Dir) FixedPoints(m *rnn.Model, ev *Evaluation, user []float64, out string) ([]*FixedPointsReport, []string, error) {
	dyn := m.Dynamics()
	b, res := ev.Batch(), ev.Result()
	N := dyn.N
	labels, inputs, trialsOf := d.fixedPointInputs(ev, user)
	var reports []*FixedPointsReport
	var files []string
	for li, u := range inputs {
		// Trajectories of this input's trials over their common length
		// (the shortest trial), as the [trials, steps, n] array
		// SampleStates reads.
		minLen := b.Steps
		for _, k := range trialsOf[li] {
			minLen = min(minLen, b.Trials[k].Steps)
		}
		lens := trialsOf[li]
		common := make([]float32, 0, len(lens)*minLen*N)
		for _, k := range lens {
			common = append(common, res.Potentials[k*b.Steps*N:(k*b.Steps+minLen)*N]...)
		}
		rng := rand.New(rand.NewPCG(uint64(li)+1, 0xf1f0))
		init, err := analysis.SampleStates(common, len(lens), minLen, N, fixedPointStates, 0, rng)
		if err != nil {
			return reports, files, err
		}
		opt := analysis.FixedPointOptions{}
		if len(inputs) > 1 && user == nil {
			// Context tasks: Mante et al.'s line attractors are made of
			// slow points as much as of fixed ones.
			opt.SlowQ = slowQ
		}
		r, err := analysis.FixedPoints(dyn, u, init, opt)
		if err != nil {
			return reports, files, err
		}
		rep := &FixedPointsReport{Label: labels[li], Input: u, Result: r, Relevant: -1}
		d.selection(rep, dyn, b.Trials[trialsOf[li][0]].Conditions)
		k := li + 1
		path := filepath.Join(out, fmt.Sprintf("fixedpoints_%d.npz", k))
		if err := writeFixedPoints(path, rep, dyn); err != nil {
			return reports, files, err
		}
		rep.Files = append(rep.Files, path)
		figs, ferr := fixedPointFigures(out, k, rep, common, len(lens), minLen, N)
		rep.Files = append(rep.Files, figs...)
		files = append(files, rep.Files...)
		reports = append(reports, rep)
		if ferr != nil {
			return reports, files, ferr
		}
	}
	return reports, files, nil
}

func writeFixedPoints(path string, rep *FixedPointsReport, dyn *rnn.Dynamics) error {
	pts := rep.Result.Points
	P, N, O := len(pts), dyn.N, dyn.Out
	modes := 0
	for _, p := range pts {
		modes = max(modes, len(p.Right))
	}
	v, r, y := make([]float64, P*N), make([]float64, P*N), make([]float64, P*O)
	q, unstable, count := make([]float64, P), make([]int64, P), make([]int64, P)
	er, ei := make([]float64, P*N), make([]float64, P*N)
	rr, ri, lr, lim := make([]float64, P*modes*N), make([]float64, P*modes*N), make([]float64, P*modes*N), make([]float64, P*modes*N)
	for i, p := range pts {
		copy(v[i*N:], p.V)
		copy(r[i*N:], p.R)
		copy(y[i*O:], p.Readout)
		q[i], unstable[i], count[i] = p.Q, int64(p.Unstable), int64(p.Count)
		for j, e := range p.Eigenvalues {
			er[i*N+j], ei[i*N+j] = real(e), imag(e)
		}
		for m := range p.Right {
			for j := range N {
				rr[(i*modes+m)*N+j], ri[(i*modes+m)*N+j] = real(p.Right[m][j]), imag(p.Right[m][j])
				lr[(i*modes+m)*N+j], lim[(i*modes+m)*N+j] = real(p.Left[m][j]), imag(p.Left[m][j])
			}
		}
	}
	slow := make([]int64, P)
	for i, p := range pts {
		if p.Slow {
			slow[i] = 1
		}
	}
	extra := []npz.Array{}
	if len(rep.Selection) == P && P > 0 {
		sel := make([]float64, 0, P*len(rep.Modalities))
		for _, x := range rep.Selection {
			sel = append(sel, x...)
		}
		extra = append(extra, npz.Array{Name: "selection", Shape: []int{P, len(rep.Modalities)}, Data: sel},
			npz.Array{Name: "context", Shape: []int{1}, Data: []float64{rep.Context}})
	}
	return npz.Write(path, append([]npz.Array{
		npz.Array{Name: "slow", Shape: []int{P}, Data: slow},
		npz.Array{Name: "input", Shape: []int{len(rep.Input)}, Data: rep.Input},
		npz.Array{Name: "v", Shape: []int{P, N}, Data: v},
		npz.Array{Name: "r", Shape: []int{P, N}, Data: r},
		npz.Array{Name: "q", Shape: []int{P}, Data: q},
		npz.Array{Name: "readout", Shape: []int{P, O}, Data: y},
		npz.Array{Name: "unstable", Shape: []int{P}, Data: unstable},
		npz.Array{Name: "count", Shape: []int{P}, Data: count},
		npz.Array{Name: "eigenvalues_real", Shape: []int{P, N}, Data: er},
		npz.Array{Name: "eigenvalues_imag", Shape: []int{P, N}, Data: ei},
		npz.Array{Name: "right_real", Shape: []int{P, modes, N}, Data: rr},
		npz.Array{Name: "right_imag", Shape: []int{P, modes, N}, Data: ri},
		npz.Array{Name: "left_real", Shape: []int{P, modes, N}, Data: lr},
		npz.Array{Name: "left_imag", Shape: []int{P, modes, N}, Data: lim},
	}, extra...)...)
}

// stabilityCode is 0 for a stable (or marginal) point, 1 for a saddle, 2
// for an unstable one (the figures' kinds).
func stabilityCode(p analysis.FixedPoint) int {
	switch p.Stability {
	case "saddle":
		return 1
	case "unstable":
		return 2
	}
	return 0
}

func fixedPointFigures(out string, k int, rep *FixedPointsReport, pots []float32, trials, steps, n int) ([]string, error) {
	var files []string
	data := make([]float64, len(pots))
	for i, x := range pots {
		data[i] = float64(x)
	}
	axes, mean, explained, err := analysis.PCAComponents(data, trials*steps, n, 2)
	if err != nil {
		return nil, fmt.Errorf("figure fixedpoints_%d.png: %v", k, err)
	}
	proj := func(v []float64) (float64, float64) {
		var x, y float64
		for i := range n {
			c := v[i] - mean[i]
			x += c * axes[i*2]
			y += c * axes[i*2+1]
		}
		return x, y
	}
	fp := figure.FixedPointsPlot{
		Title:  fmt.Sprintf("Fixed points, %s (PC plane of the trials: %.0f %% of variance)", rep.Label, 100*(explained[0]+explained[1])),
		XLabel: "PC1", YLabel: "PC2",
	}
	for t := range min(trials, 60) {
		xs, ys := make([]float64, steps), make([]float64, steps)
		for s := range steps {
			xs[s], ys[s] = proj(data[(t*steps+s)*n : (t*steps+s+1)*n])
		}
		fp.PathsX, fp.PathsY = append(fp.PathsX, xs), append(fp.PathsY, ys)
	}
	var sets []figure.EigenSet
	byKind := map[int][]complex128{}
	for _, p := range rep.Result.Points {
		x, y := proj(p.V)
		code := stabilityCode(p)
		fp.X, fp.Y, fp.Kind = append(fp.X, x), append(fp.Y, y), append(fp.Kind, code)
		byKind[code] = append(byKind[code], p.Eigenvalues...)
	}
	for _, c := range []int{0, 1, 2} {
		if vals := byKind[c]; len(vals) > 0 {
			sets = append(sets, figure.EigenSet{Name: []string{"stable points", "saddles", "unstable points"}[c], Values: vals})
		}
	}
	path := filepath.Join(out, fmt.Sprintf("fixedpoints_%d.png", k))
	if err := figure.FixedPoints(path, fp); err != nil {
		return files, fmt.Errorf("figure %s: %v", filepath.Base(path), err)
	}
	files = append(files, path)
	if len(sets) > 0 {
		sp := filepath.Join(out, fmt.Sprintf("fixedpoints_%d_spectra.png", k))
		if err := figure.SpectrumWith(sp, figure.SpectrumPlot{Title: fmt.Sprintf("Jacobian eigenvalues at the fixed points (%s)", rep.Label), Sets: sets}); err != nil {
			return files, fmt.Errorf("figure %s: %v", filepath.Base(sp), err)
		}
		files = append(files, sp)
	}
	return files, nil
}
