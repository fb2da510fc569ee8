package analysis

import (
	"fmt"
	"math"
	"slices"
)

// TaskActivity is a network's hidden activity on the trials of one task,
// the input of TaskVariance. It is filled from a batch of trials and the
// model's response to it: Rates is rnn.Result.Rates, Trials and Steps the
// batch's Size and Steps, N the number of hidden units.
type TaskActivity struct {
	// Name is the task's name (one column of the task variance matrix).
	Name string
	// Rates is [Trials, Steps, N], row-major (rnn.Result.Rates' layout).
	Rates            []float32
	Trials, Steps, N int
	// Condition is each trial's stimulus condition: trials with the same
	// id (≥ 0) are averaged before the variance across conditions is
	// taken, a trial with −1 is left out. Nil makes every trial its own
	// condition, which is Yang et al.'s computation on a batch holding one
	// noise-free trial per condition.
	Condition []int
	// From and To bound the window of steps analysed, [From, To). To = 0
	// runs the window to the end: Steps, or with Align the last step every
	// trial has (Steps − the largest Align). Yang et al. take the whole
	// trial after the fixation period.
	From, To int
	// Align, when not nil, shifts each trial's window: trial k's window is
	// steps [Align[k]+From, Align[k]+To), so that trials of different
	// timing can be aligned on an event (a stimulus onset, say:
	// batch.Trial.Period's Start). Step s of the window is step
	// Align[k]+From+s of every trial.
	Align []int
}

// TaskVarianceOptions configure TaskVariance. The zero value is Yang et
// al. 2019's procedure.
type TaskVarianceOptions struct {
	// MinTotal is the smallest summed task variance (over all tasks) a
	// unit must exceed to be kept: 0 selects Yang et al.'s 1e-3 (in the
	// units of Rates, squared); a negative value keeps every unit whose
	// summed variance is > 0. It also selects the units of Fractional,
	// summed over the two tasks compared.
	MinTotal float64
}

// DefaultMinTotal is Yang et al.'s threshold on a unit's summed task
// variance (gyyang/multitask, analysis/clustering.py and variance.py:
// h_var_all.sum(axis=1) > 1e-3).
const DefaultMinTotal = 1e-3

// TaskVarianceResult is the outcome of TaskVariance.
type TaskVarianceResult struct {
	// Tasks are the task names, in the order given (the columns).
	Tasks []string
	// N is the number of units; Var is N × len(Tasks), row-major:
	// Var[i*len(Tasks)+a] is unit i's task variance for task a.
	N   int
	Var []float64
	// Conditions is the number of stimulus conditions of each task.
	Conditions []int
	// MinTotal is the threshold used (see TaskVarianceOptions).
	MinTotal float64
	// Active are the units kept, ascending: those whose summed task
	// variance exceeds MinTotal.
	Active []int
	// Norm is len(Active) × len(Tasks), row-major: row r is unit
	// Active[r]'s task variances divided by their maximum over tasks (the
	// normalised task variance, in [0, 1], 1 at the unit's preferred task).
	Norm []float64
}

// TaskVariance is Yang et al. 2019's task variance (Nat Neurosci 22:297,
// Fig. 2): for each unit and task, the variance across the task's
// stimulus conditions of the unit's condition-averaged rate, at each step
// of the window, averaged over the window's steps. Trials of one
// condition are averaged first and every condition then weighs the same;
// the variance is the population variance (divided by the number of
// conditions, numpy's default). On a batch of one noise-free trial per
// condition (Condition nil) this is variance.py's
// h.var(axis=batch).mean(axis=time) exactly.
//
// It then keeps the units whose summed task variance exceeds
// opt.MinTotal (Yang's 1e-3 by default) and divides each kept unit's
// variances by their maximum over tasks (clustering.py's 'max'
// normalisation), ready for ClusterTaskVariance.
//
// Every task must have the same N, at least two conditions and a window
// inside its trials; names must be distinct and non-empty. It returns an
// error for any other input, a NaN or infinite rate, or no unit above
// the threshold.
func TaskVariance(tasks []TaskActivity, opt TaskVarianceOptions) (*TaskVarianceResult, error) {
	if len(tasks) == 0 {
		return nil, fmt.Errorf("analysis: task variance: no tasks: need at least one")
	}
	if math.IsNaN(opt.MinTotal) || math.IsInf(opt.MinTotal, 0) {
		return nil, fmt.Errorf("analysis: task variance: min total = %v is not allowed: must be finite", opt.MinTotal)
	}
	minTotal := opt.MinTotal
	if minTotal == 0 {
		minTotal = DefaultMinTotal
	}
	n := tasks[0].N
	A := len(tasks)
	res := &TaskVarianceResult{N: n, MinTotal: minTotal, Var: make([]float64, n*A), Conditions: make([]int, A)}
	seen := map[string]bool{}
	for a, t := range tasks {
		if t.Name == "" {
			return nil, fmt.Errorf("analysis: task variance: task %d has no name", a)
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("analysis: task variance: task %q is given twice", t.Name)
		}
		seen[t.Name] = true
		if t.N != n {
			return nil, fmt.Errorf("analysis: task variance: task %q has n = %d units, task %q %d: every task must have the same units", t.Name, t.N, tasks[0].Name, n)
		}
		v, c, err := taskVar(t)
		if err != nil {
			return nil, err
		}
		res.Tasks = append(res.Tasks, t.Name)
		res.Conditions[a] = c
		for i := range n {
			res.Var[i*A+a] = v[i]
		}
	}
	for i := range n {
		row := res.Var[i*A : (i+1)*A]
		total, top := 0.0, 0.0
		for _, v := range row {
			total += v
			top = max(top, v)
		}
		if total > minTotal && total > 0 {
			res.Active = append(res.Active, i)
			for _, v := range row {
				res.Norm = append(res.Norm, v/top)
			}
		}
	}
	if len(res.Active) == 0 {
		return nil, fmt.Errorf("analysis: task variance: no unit has a summed task variance above %g: nothing varies with the stimulus (an untrained or silent network?)", minTotal)
	}
	return res, nil
}

// taskVar returns one task's variance per unit and its number of
// conditions.
func taskVar(t TaskActivity) ([]float64, int, error) {
	T, S, N := t.Trials, t.Steps, t.N
	name := t.Name
	switch {
	case T < 1 || S < 1 || N < 1:
		return nil, 0, fmt.Errorf("analysis: task variance: task %q has trials = %d, steps = %d, n = %d: need at least 1 of each", name, T, S, N)
	case len(t.Rates) != T*S*N:
		return nil, 0, fmt.Errorf("analysis: task variance: task %q rates has %d values, trials × steps × n = %d", name, len(t.Rates), T*S*N)
	case t.Condition != nil && len(t.Condition) != T:
		return nil, 0, fmt.Errorf("analysis: task variance: task %q has %d condition labels for %d trials", name, len(t.Condition), T)
	case t.Align != nil && len(t.Align) != T:
		return nil, 0, fmt.Errorf("analysis: task variance: task %q has %d alignment steps for %d trials", name, len(t.Align), T)
	}
	// Group the trials by condition, in order of first appearance.
	index := map[int]int{}
	var groups [][]int
	for k := range T {
		c := k
		if t.Condition != nil {
			c = t.Condition[k]
			if c < -1 {
				return nil, 0, fmt.Errorf("analysis: task variance: task %q trial %d has condition %d: want ≥ 0, or −1 to leave it out", name, k, c)
			}
			if c == -1 {
				continue
			}
		}
		g, ok := index[c]
		if !ok {
			g = len(groups)
			index[c] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], k)
	}
	C := len(groups)
	if C < 2 {
		return nil, 0, fmt.Errorf("analysis: task variance: task %q has %d stimulus condition(s): the variance across conditions needs at least 2", name, C)
	}
	align := func(k int) int {
		if t.Align == nil {
			return 0
		}
		return t.Align[k]
	}
	to := t.To
	if to == 0 {
		to = S
		for _, g := range groups {
			for _, k := range g {
				to = min(to, S-align(k))
			}
		}
	}
	if t.From >= to || t.Align == nil && (t.From < 0 || to > S) {
		return nil, 0, fmt.Errorf("analysis: task variance: task %q window [%d, %d) is not allowed: need 0 ≤ from < to ≤ steps = %d", name, t.From, to, S)
	}
	for _, g := range groups {
		for _, k := range g {
			if a := align(k); a+t.From < 0 || a+to > S {
				return nil, 0, fmt.Errorf("analysis: task variance: task %q trial %d window [%d, %d) (align %d) is not inside its %d steps", name, k, a+t.From, a+to, a, S)
			}
		}
	}
	L := to - t.From
	out := make([]float64, N)
	means := make([]float64, C*N)
	grand := make([]float64, N)
	for s := range L {
		clear(means)
		clear(grand)
		for c, g := range groups {
			m := means[c*N : (c+1)*N]
			for _, k := range g {
				step := align(k) + t.From + s
				row := t.Rates[(k*S+step)*N : (k*S+step+1)*N]
				for i, r := range row {
					m[i] += float64(r)
				}
			}
			inv := 1 / float64(len(g))
			for i := range m {
				m[i] *= inv
				grand[i] += m[i]
			}
		}
		for i := range grand {
			grand[i] /= float64(C)
		}
		for c := range C {
			m := means[c*N : (c+1)*N]
			for i, v := range m {
				d := v - grand[i]
				out[i] += d * d
			}
		}
	}
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, 0, fmt.Errorf("analysis: task variance: task %q unit %d has a task variance of %v: its rates must be finite", name, i, v)
		}
		out[i] = v / float64(C*L)
	}
	return out, C, nil
}

// Fractional returns the fractional task variance of the units for tasks
// a and b, FTV = (TV_a − TV_b) / (TV_a + TV_b) (Yang et al. 2019, Fig. 3):
// −1 for a unit that varies only in task b, +1 only in a, 0 equally in
// both. As in gyyang/multitask's variance.py, the units are those (of
// all N, not only Active) whose variance summed over the two tasks
// exceeds MinTotal (and is > 0); units lists them, ascending.
func (r *TaskVarianceResult) Fractional(a, b string) (ftv []float64, units []int, err error) {
	ia, ib := slices.Index(r.Tasks, a), slices.Index(r.Tasks, b)
	switch {
	case ia < 0:
		return nil, nil, fmt.Errorf("analysis: fractional task variance: no task %q: have %v", a, r.Tasks)
	case ib < 0:
		return nil, nil, fmt.Errorf("analysis: fractional task variance: no task %q: have %v", b, r.Tasks)
	case ia == ib:
		return nil, nil, fmt.Errorf("analysis: fractional task variance: task %q compared with itself: need two different tasks", a)
	}
	A := len(r.Tasks)
	for i := range r.N {
		va, vb := r.Var[i*A+ia], r.Var[i*A+ib]
		if sum := va + vb; sum > r.MinTotal && sum > 0 {
			ftv = append(ftv, (va-vb)/sum)
			units = append(units, i)
		}
	}
	return ftv, units, nil
}

// DefaultFTVBins is Yang et al.'s number of bins for fractional task
// variance histograms (numpy.histogram(..., bins=20, range=(-1, 1))).
const DefaultFTVBins = 20

// FTVHistogram counts fractional task variances in bins equal bins over
// [−1, 1] (0 selects 20), as numpy.histogram does: bin j covers
// [edges[j], edges[j+1]), the last one closed at 1. It returns an error
// for a value that is NaN or outside [−1, 1], or bins outside [0, 1000].
func FTVHistogram(ftv []float64, bins int) (counts []int, edges []float64, err error) {
	if bins == 0 {
		bins = DefaultFTVBins
	}
	if bins < 1 || bins > 1000 {
		return nil, nil, fmt.Errorf("analysis: ftv histogram: bins = %d is not allowed: must be 0 (default %d) or in [1, 1000]", bins, DefaultFTVBins)
	}
	edges = make([]float64, bins+1)
	for j := range edges {
		edges[j] = -1 + 2*float64(j)/float64(bins)
	}
	edges[bins] = 1
	counts = make([]int, bins)
	for i, v := range ftv {
		if !(v >= -1 && v <= 1) {
			return nil, nil, fmt.Errorf("analysis: ftv histogram: value %d = %v is not allowed: must be in [-1, 1]", i, v)
		}
		j := min(int((v+1)/2*float64(bins)), bins-1)
		for j > 0 && v < edges[j] {
			j--
		}
		for j < bins-1 && v >= edges[j+1] {
			j++
		}
		counts[j]++
	}
	return counts, edges, nil
}
