// Package analysis is how a trained network solves its task: the analyses
// of a trained rnn.Model that computational neuroscience uses, on dale's
// exact dynamics (rnn.Dynamics: the single-step map and its Jacobian).
//
// It holds the building blocks behind dale's figures and reports:
// principal components of hidden-state trajectories (PCA), eigenvalues
// and spectral radius of a recurrent weight matrix, the split of a
// weight matrix's entries by the type of the sending neuron (for weight
// distributions), and the fixed and slow points of the dynamics with
// their linearisation (FixedPoints). Every function takes plain slices
// (row-major matrices) or an rnn.Dynamics, checks its input and returns
// an error instead of panicking.
// (Psychometric fits live with the tasks that define the evidence:
// tasks.Psychometrics and tasks.FitProbit.)
//
// # Fixed and slow points
//
// FixedPoints finds the fixed points of a network's noise-free map for a
// constant input (Sussillo & Barak 2013; Golub & Sussillo's
// FixedPointFinder, 2018): it minimises q(v) = ½‖F(v) − v‖² from many
// initial states, usually sampled on the network's own trajectories with
// SampleStates, merges the end points closer than TolUnique, drops
// outliers far from the initial states, and describes each unique point:
// its rates and readout, every eigenvalue of the Jacobian there, the
// right and left eigenvectors of its top modes, and its stability
// ("stable", "saddle" with k unstable directions, "unstable" or
// "marginal"; the map is discrete, so |λ| > 1 is unstable). With
// FixedPointOptions.SlowQ it keeps slow points too: local minima of q
// above TolQ, as a line attractor leaves them.
//
// The method is second order where FixedPointFinder's is Adam:
// Levenberg–Marquardt on the residual F(v) − v with the exact Jacobian of
// rnn.Dynamics, a few undamped Newton steps to polish a fixed point to
// rounding (for relu, F is affine within an activation pattern, so a
// Newton step lands on the pattern's exact fixed point: q ~ 1e-30), damped
// Newton with the exact Hessian of q for slow points, and, for relu, the
// kinks where a unit's v crosses 0 handled explicitly (a run that stalls
// on one minimises q along it, then leaves it on the side where q falls).
// A few to a few tens of iterations per initial state suffice (FixedPointFinder's
// Adam runs up to its max_iters, 5000 by default). Initial states run in
// parallel; the result does not depend on the number of goroutines.
//
//	d := m.Dynamics()
//	res, _ := m.Forward(b.Inputs, b.Size, b.Steps)
//	initial, _ := analysis.SampleStates(res.Potentials, b.Size, b.Steps, d.N, 1024, 0, rng)
//	fp, _ := analysis.FixedPoints(d, nil, initial, analysis.FixedPointOptions{})
//	for _, p := range fp.Points { fmt.Println(p.Stability, p.Unstable, p.Readout) }
//
// On dale's flip-flop recipe (64 relu neurons) this finds, in a fraction
// of a second, the 8 stable points whose readouts are the 8 bit patterns
// and saddles between them (benchmarks/fixedpoints runs it on a
// checkpoint).
//
// # Task variance and clusters
//
// TaskVariance is Yang et al. 2019's measure of how much each unit is
// engaged by each task of a multitask network (Nat Neurosci 22:297,
// Fig. 2; gyyang/multitask's analysis/variance.py): for unit i and task
// A, the variance of the unit's condition-averaged rate across A's
// stimulus conditions at each step, averaged over the steps of a window
// (Yang's is the whole trial after the fixation period, on a batch of one
// noise-free trial per condition, where the two coincide with his
// h.var(axis=batch).mean(axis=time)). Units whose task variances sum to
// 1e-3 or less are dropped and each remaining unit's vector is divided by
// its maximum (clustering.py), giving the normalised task variance map.
//
// ClusterTaskVariance clusters that map as the paper does: k-means
// (k-means++ initialisation, 20 restarts) for every k from 2 to 29, the k
// of highest silhouette score kept, clusters numbered by the task they
// prefer and units sorted by cluster for the figure. KMeans and
// Silhouette are exported on their own. Fractional and FTVHistogram give
// the fractional task variance (TV_A − TV_B)/(TV_A + TV_B) of a pair of
// tasks and its 20-bin histogram over [−1, 1] (Fig. 3): a peak at 0 for
// tasks that share units, at ±1 for tasks that use separate ones.
//
//	tasks := []analysis.TaskActivity{{Name: "dm1", Rates: res.Rates,
//		Trials: b.Size, Steps: b.Steps, N: n, From: stimOn}, ...}
//	tv, _ := analysis.TaskVariance(tasks, analysis.TaskVarianceOptions{})
//	cl, _ := analysis.ClusterTaskVariance(tv.Norm, len(tv.Active), len(tv.Tasks), analysis.ClusterOptions{}, rng)
//	ftv, _, _ := tv.Fractional("dm1", "dm2")
//	counts, edges, _ := analysis.FTVHistogram(ftv, 0)
package analysis
