package run

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"

	"github.com/dale-rnn/dale/analysis"
	"github.com/dale-rnn/dale/config"
	"github.com/dale-rnn/dale/internal/figure"
	"github.com/dale-rnn/dale/npz"
	"github.com/dale-rnn/dale/rnn"
	"github.com/dale-rnn/dale/tasks"
)

// TaskVarianceFile and the figures Dir.TaskVariance writes.
const (
	TaskVarianceFile = "taskvariance.npz"
	TaskVarianceJSON = "taskvariance.json"
)

// FTVPairs are the task pairs of Yang et al. 2019's fractional task
// variance histograms (Fig. 2d and 3).
var FTVPairs = [][2]string{
	{"dm1", "dm2"}, {"contextdm1", "contextdm2"}, {"dm1", "fdanti"}, {"dm1", "contextdm1"},
	{"fdgo", "reactgo"}, {"delaydm1", "dm1"}, {"dmcgo", "dmcnogo"}, {"contextdm1", "contextdelaydm1"},
}

// TaskVarianceReport is what TaskVariance found.
type TaskVarianceReport struct {
	Variance *analysis.TaskVarianceResult
	Clusters *analysis.TaskClusters
	// TrialsPerTask is the number of noise-free trials of each task.
	TrialsPerTask int
	Files         []string
}

// Summary is one line for printing.
func (r *TaskVarianceReport) Summary() string {
	return fmt.Sprintf("task variance: %d of %d units active over %d tasks; %d clusters (silhouette %.3f), sizes %v",
		len(r.Variance.Active), r.Variance.N, len(r.Variance.Tasks), r.Clusters.K, r.Clusters.Scores[r.Clusters.K-r.Clusters.Ks[0]], r.Clusters.Size)
}

// TaskVariance runs Yang et al. 2019's task variance analysis on m, a
// network of a multitask (yang20): for every task, trialsPerTask
// noise-free trials of that task alone (the multitask's inputs with its
// input noise off; the network run without its noise), the variance of
// each unit's rate across the trials (their stimuli) from the stimulus
// onset (the end of fixation, each trial aligned on its own) to the end
// of the shortest trial, averaged over time; units whose total is below
// 1e-3 dropped, each unit normalised by its largest task; k-means on the
// normalised vectors, k in 2..29 by silhouette score. It writes
// taskvariance.npz, taskvariance.json and three figures (Yang's Fig. 2
// b–d) into out.
func (d *Dir) TaskVariance(m *rnn.Model, seed uint64, trialsPerTask int, out string) (*TaskVarianceReport, error) {
	mt, ok := d.Task.(*tasks.Multitask)
	if !ok {
		return nil, config.Errorf("--what = taskvariance is not allowed: task %q is not a multitask (yang20)", d.Task.Name())
	}
	quiet, err := noiseless(mt)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x7461736b76617200))
	var acts []analysis.TaskActivity
	for _, rule := range quiet.Rules() {
		b, err := quiet.SampleRule(rng, rule, trialsPerTask)
		if err != nil {
			return nil, err
		}
		res, err := m.Forward(b.Inputs, b.Size, b.Steps)
		if err != nil {
			return nil, err
		}
		align := make([]int, b.Size)
		length := b.Steps
		for k, tr := range b.Trials {
			if len(tr.Periods) > 0 {
				align[k] = tr.Periods[0].End
			}
			steps := tr.Steps
			if steps <= 0 || steps > b.Steps {
				steps = b.Steps
			}
			length = min(length, steps-align[k])
		}
		if length <= 0 {
			return nil, fmt.Errorf("task variance: task %s has a trial without steps after fixation", rule)
		}
		acts = append(acts, analysis.TaskActivity{Name: rule, Rates: res.Rates, Trials: b.Size, Steps: b.Steps, N: m.Dims()[1], From: 0, To: length, Align: align})
	}
	tv, err := analysis.TaskVariance(acts, analysis.TaskVarianceOptions{})
	if err != nil {
		return nil, err
	}
	T := len(tv.Tasks)
	if len(tv.Active) < 3 {
		return nil, fmt.Errorf("task variance: only %d of %d units vary across trials (total variance > %g): too few to cluster; is the network trained?", len(tv.Active), tv.N, tv.MinTotal)
	}
	cl, err := analysis.ClusterTaskVariance(tv.Norm, len(tv.Active), T, analysis.ClusterOptions{}, rng)
	if err != nil {
		return nil, err
	}
	rep := &TaskVarianceReport{Variance: tv, Clusters: cl, TrialsPerTask: trialsPerTask}

	arrays := []npz.Array{
		{Name: "variance", Shape: []int{tv.N, T}, Data: tv.Var},
		{Name: "active", Shape: []int{len(tv.Active)}, Data: toI64(tv.Active)},
		{Name: "normalized", Shape: []int{len(tv.Active), T}, Data: tv.Norm},
		{Name: "labels", Shape: []int{len(cl.Labels)}, Data: toI64(cl.Labels)},
		{Name: "order", Shape: []int{len(cl.Order)}, Data: toI64(cl.Order)},
		{Name: "ks", Shape: []int{len(cl.Ks)}, Data: toI64(cl.Ks)},
		{Name: "silhouette", Shape: []int{len(cl.Scores)}, Data: cl.Scores},
	}
	var panels []figure.FTVPanel
	for _, p := range FTVPairs {
		ftv, _, err := tv.Fractional(p[0], p[1])
		if err != nil {
			continue // a pair not in the multitask's rules
		}
		counts, _, err := analysis.FTVHistogram(ftv, analysis.DefaultFTVBins)
		if err != nil {
			continue
		}
		panels = append(panels, figure.FTVPanel{A: p[0], B: p[1], Counts: counts})
		arrays = append(arrays, npz.Array{Name: "ftv_" + p[0] + "_" + p[1], Shape: []int{len(ftv)}, Data: ftv})
	}
	path := filepath.Join(out, TaskVarianceFile)
	if err := npz.Write(path, arrays...); err != nil {
		return nil, err
	}
	rep.Files = append(rep.Files, path)
	meta := map[string]any{
		"tasks": tv.Tasks, "units": tv.N, "active": len(tv.Active), "min_total": tv.MinTotal,
		"k": cl.K, "sizes": cl.Size, "preferred_task": prefNames(cl.Pref, tv.Tasks), "trials_per_task": trialsPerTask,
		"window": "stimulus onset (end of fixation) to the end of the shortest trial", "seed": seed,
	}
	jpath := filepath.Join(out, TaskVarianceJSON)
	if err := WriteJSON(jpath, meta); err != nil {
		return nil, err
	}
	rep.Files = append(rep.Files, jpath)

	// Figures: the map (units sorted by cluster), silhouette, FTV.
	sorted := make([]float64, 0, len(tv.Norm))
	clusters := make([]int, 0, len(cl.Order))
	for _, u := range cl.Order {
		sorted = append(sorted, tv.Norm[u*T:(u+1)*T]...)
		clusters = append(clusters, cl.Labels[u])
	}
	var ferrs []string
	f1 := filepath.Join(out, "taskvariance_map.png")
	if err := figure.TaskVarianceMap(f1, figure.TaskVarianceMapPlot{Title: "normalised task variance", Tasks: tv.Tasks, Units: len(cl.Order), Values: sorted, Clusters: clusters}); err != nil {
		ferrs = append(ferrs, err.Error())
	} else {
		rep.Files = append(rep.Files, f1)
	}
	f2 := filepath.Join(out, "taskvariance_silhouette.png")
	if err := figure.SilhouetteScores(f2, figure.SilhouettePlot{Ks: cl.Ks, Scores: cl.Scores, Chosen: cl.K}); err != nil {
		ferrs = append(ferrs, err.Error())
	} else {
		rep.Files = append(rep.Files, f2)
	}
	if len(panels) > 0 {
		f3 := filepath.Join(out, "taskvariance_ftv.png")
		if err := figure.FTVHistograms(f3, figure.FTVPlot{Title: "fractional task variance", Panels: panels, Cols: 4}); err != nil {
			ferrs = append(ferrs, err.Error())
		} else {
			rep.Files = append(rep.Files, f3)
		}
	}
	if len(ferrs) > 0 {
		return rep, fmt.Errorf("figure %s", strings.Join(ferrs, "; "))
	}
	return rep, nil
}

func prefNames(pref []int, names []string) []string {
	out := make([]string, len(pref))
	for i, p := range pref {
		out[i] = names[p]
	}
	return out
}

// noiseless rebuilds a multitask with its input noise off.
func noiseless(mt *tasks.Multitask) (*tasks.Multitask, error) {
	spec := mt.Spec()
	var p map[string]json.RawMessage
	if err := json.Unmarshal(spec.Params, &p); err != nil {
		return nil, err
	}
	p["sigma"] = json.RawMessage("0")
	spec.Params, _ = json.Marshal(p)
	t, err := tasks.FromSpec(spec)
	if err != nil {
		return nil, err
	}
	q, ok := t.(*tasks.Multitask)
	if !ok {
		return nil, fmt.Errorf("task variance: %s did not rebuild as a multitask", spec.Name)
	}
	return q, nil
}
