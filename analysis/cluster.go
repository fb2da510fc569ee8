package analysis

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// KMeansOptions configure KMeans. The zero value is what Yang et al. 2019
// ran (scikit-learn's KMeans with n_init = 20 and its default of 300
// iterations).
type KMeansOptions struct {
	// Restarts is the number of k-means++ initialisations, each run to
	// convergence; the one of least inertia is kept (0 → 20).
	Restarts int
	// MaxIter bounds the Lloyd iterations of one restart (0 → 300).
	MaxIter int
}

// KMeansResult is the outcome of KMeans.
type KMeansResult struct {
	// K is the number of clusters; Labels the cluster (0 … K−1) of each
	// row; Centers is K × cols, row-major: the mean of each cluster's rows.
	K       int
	Labels  []int
	Centers []float64
	// Inertia is the sum over rows of the squared distance to their
	// cluster's centre.
	Inertia float64
	// Iterations is the number of Lloyd iterations of the restart kept.
	Iterations int
}

// KMeans partitions the rows of x (rows × cols, row-major) into k
// clusters by Lloyd's algorithm under Euclidean distance, from
// opt.Restarts greedy k-means++ initialisations (Arthur & Vassilvitskii
// 2007, with scikit-learn's 2 + ⌊ln k⌋ candidates per centre), keeping the
// partition of least inertia. A cluster left empty is given the row
// farthest from its centre. A restart stops when no label changes, or
// after opt.MaxIter iterations.
//
// All randomness comes from rng: the same rng state gives the same
// result, whatever the number of goroutines the restarts run on. It
// returns an error for an empty or mis-sized x, a NaN or infinite value,
// k outside [1, rows], negative options or a nil rng.
func KMeans(x []float64, rows, cols, k int, opt KMeansOptions, rng *rand.Rand) (*KMeansResult, error) {
	if err := checkMatrix("k-means", x, rows, cols); err != nil {
		return nil, err
	}
	if k < 1 || k > rows {
		return nil, fmt.Errorf("analysis: k-means: k = %d is not allowed: must be in [1, rows = %d]", k, rows)
	}
	return kmeans(x, rows, cols, k, opt, rng)
}

// kmeans is KMeans after the checks of x and k.
func kmeans(x []float64, rows, cols, k int, opt KMeansOptions, rng *rand.Rand) (*KMeansResult, error) {
	if rng == nil {
		return nil, fmt.Errorf("analysis: k-means: rng is nil: pass a *rand.Rand (math/rand/v2) so the result is reproducible")
	}
	restarts, maxIter := opt.Restarts, opt.MaxIter
	if restarts < 0 || maxIter < 0 {
		return nil, fmt.Errorf("analysis: k-means: restarts = %d, max iter = %d is not allowed: must be ≥ 0 (0 selects 20 and 300)", restarts, maxIter)
	}
	if restarts == 0 {
		restarts = 20
	}
	if maxIter == 0 {
		maxIter = 300
	}
	// One seed per restart, drawn in order, so that running the restarts
	// in parallel does not change the result.
	seeds := make([][2]uint64, restarts)
	for r := range seeds {
		seeds[r] = [2]uint64{rng.Uint64(), rng.Uint64()}
	}
	results := make([]*KMeansResult, restarts)
	workers := min(restarts, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for r := range next {
				results[r] = kmeansRun(x, rows, cols, k, maxIter, rand.New(rand.NewPCG(seeds[r][0], seeds[r][1])))
			}
		})
	}
	for r := range restarts {
		next <- r
	}
	close(next)
	wg.Wait()
	best := results[0]
	for _, r := range results[1:] {
		if r.Inertia < best.Inertia {
			best = r
		}
	}
	return best, nil
}

// kmeansRun is one restart: k-means++ then Lloyd iterations.
func kmeansRun(x []float64, rows, cols, k, maxIter int, rng *rand.Rand) *KMeansResult {
	centers := kmeansPlusPlus(x, rows, cols, k, rng)
	labels := make([]int, rows)
	for i := range labels {
		labels[i] = -1
	}
	sums := make([]float64, k*cols)
	counts := make([]int, k)
	dist := make([]float64, rows) // squared distance of each row to its centre
	assign := func() bool {
		changed := false
		for i := range rows {
			xi := x[i*cols : (i+1)*cols]
			best, bd := 0, math.Inf(1)
			for j := range k {
				if d := sqDist(xi, centers[j*cols:(j+1)*cols]); d < bd {
					best, bd = j, d
				}
			}
			if labels[i] != best {
				labels[i] = best
				changed = true
			}
			dist[i] = bd
		}
		return changed
	}
	it := 0
	for ; it < maxIter; it++ {
		if !assign() && it > 0 {
			break
		}
		clear(sums)
		clear(counts)
		for i, l := range labels {
			counts[l]++
			for c, v := range x[i*cols : (i+1)*cols] {
				sums[l*cols+c] += v
			}
		}
		for j := range k {
			if counts[j] > 0 {
				continue
			}
			// An empty cluster takes the row farthest from its centre
			// among clusters that can spare one.
			far, fd := -1, -1.0
			for i, l := range labels {
				if counts[l] > 1 && dist[i] > fd {
					far, fd = i, dist[i]
				}
			}
			if far < 0 {
				continue // cannot happen with k ≤ rows
			}
			old := labels[far]
			counts[old]--
			for c, v := range x[far*cols : (far+1)*cols] {
				sums[old*cols+c] -= v
				sums[j*cols+c] = v
			}
			counts[j] = 1
			labels[far], dist[far] = j, 0
		}
		for j := range k {
			inv := 1 / float64(counts[j])
			for c := range cols {
				centers[j*cols+c] = sums[j*cols+c] * inv
			}
		}
	}
	if it == maxIter {
		assign() // labels match the last centres
	}
	inertia := 0.0
	for _, d := range dist {
		inertia += d
	}
	return &KMeansResult{K: k, Labels: labels, Centers: centers, Inertia: inertia, Iterations: it}
}

// kmeansPlusPlus returns k initial centres (k × cols) by greedy k-means++:
// the first a uniformly drawn row, each next the best of 2 + ⌊ln k⌋ rows
// drawn with probability proportional to their squared distance to the
// nearest centre so far (the one that lowers the summed squared distance
// most).
func kmeansPlusPlus(x []float64, rows, cols, k int, rng *rand.Rand) []float64 {
	centers := make([]float64, 0, k*cols)
	first := rng.IntN(rows)
	centers = append(centers, x[first*cols:(first+1)*cols]...)
	closest := make([]float64, rows)
	for i := range rows {
		closest[i] = sqDist(x[i*cols:(i+1)*cols], centers)
	}
	trials := 2 + int(math.Log(float64(k)))
	cand := make([]float64, rows)
	bestD := make([]float64, rows)
	for len(centers) < k*cols {
		total := 0.0
		for _, d := range closest {
			total += d
		}
		bestRow, bestPot := -1, math.Inf(1)
		for range trials {
			var c int
			if total > 0 {
				u := rng.Float64() * total
				c = rows - 1
				acc := 0.0
				for i, d := range closest {
					acc += d
					if u < acc {
						c = i
						break
					}
				}
			} else {
				c = rng.IntN(rows) // every row sits on a centre
			}
			pot := 0.0
			xc := x[c*cols : (c+1)*cols]
			for i := range rows {
				cand[i] = min(closest[i], sqDist(x[i*cols:(i+1)*cols], xc))
				pot += cand[i]
			}
			if pot < bestPot {
				bestRow, bestPot = c, pot
				copy(bestD, cand)
			}
		}
		centers = append(centers, x[bestRow*cols:(bestRow+1)*cols]...)
		copy(closest, bestD)
	}
	return centers
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		d := v - b[i]
		s += d * d
	}
	return s
}

// checkMatrix checks that x is a finite rows × cols matrix with at least
// one row and column.
func checkMatrix(what string, x []float64, rows, cols int) error {
	if rows < 1 || cols < 1 {
		return fmt.Errorf("analysis: %s: rows = %d, cols = %d is not allowed: need at least 1 of each", what, rows, cols)
	}
	if len(x) != rows*cols {
		return fmt.Errorf("analysis: %s: x has %d values: rows × cols = %d × %d needs %d", what, len(x), rows, cols, rows*cols)
	}
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("analysis: %s: x[%d] (row %d, col %d) = %v is not allowed: must be finite", what, i, i/cols, i%cols, v)
		}
	}
	return nil
}

// Silhouette is the silhouette score of a partition of the rows of x
// (rows × cols, row-major) under Euclidean distance (Rousseeuw 1987): for
// each row, a is its mean distance to the other rows of its cluster and b
// the smallest mean distance to the rows of another cluster, and its
// silhouette is (b − a) / max(a, b), 0 for a row alone in its cluster.
// score is the mean over rows (scikit-learn's silhouette_score), samples
// the value of each row. labels are ≥ 0 (not necessarily consecutive);
// there must be between 2 and rows − 1 distinct ones.
func Silhouette(x []float64, rows, cols int, labels []int) (score float64, samples []float64, err error) {
	if err := checkMatrix("silhouette", x, rows, cols); err != nil {
		return 0, nil, err
	}
	if len(labels) != rows {
		return 0, nil, fmt.Errorf("analysis: silhouette: %d labels for %d rows", len(labels), rows)
	}
	dense, k, err := denseLabels(labels)
	if err != nil {
		return 0, nil, err
	}
	if k < 2 || k > rows-1 {
		return 0, nil, fmt.Errorf("analysis: silhouette: %d distinct labels for %d rows is not allowed: need 2 … rows − 1", k, rows)
	}
	samples = silhouette(distances(x, rows, cols), rows, dense, k)
	for _, s := range samples {
		score += s
	}
	return score / float64(rows), samples, nil
}

// denseLabels maps labels (≥ 0) to 0 … k−1 in order of first appearance.
func denseLabels(labels []int) ([]int, int, error) {
	index := map[int]int{}
	out := make([]int, len(labels))
	for i, l := range labels {
		if l < 0 {
			return nil, 0, fmt.Errorf("analysis: silhouette: label %d of row %d is not allowed: labels must be ≥ 0", l, i)
		}
		j, ok := index[l]
		if !ok {
			j = len(index)
			index[l] = j
		}
		out[i] = j
	}
	return out, len(index), nil
}

// distances returns the rows × rows Euclidean distance matrix of x.
func distances(x []float64, rows, cols int) []float64 {
	d := make([]float64, rows*rows)
	for i := range rows {
		for j := i + 1; j < rows; j++ {
			v := math.Sqrt(sqDist(x[i*cols:(i+1)*cols], x[j*cols:(j+1)*cols]))
			d[i*rows+j], d[j*rows+i] = v, v
		}
	}
	return d
}

// silhouette returns each row's silhouette from the distance matrix d and
// labels in 0 … k−1.
func silhouette(d []float64, rows int, labels []int, k int) []float64 {
	size := make([]int, k)
	for _, l := range labels {
		size[l]++
	}
	out := make([]float64, rows)
	sum := make([]float64, k)
	for i := range rows {
		clear(sum)
		for j, l := range labels {
			sum[l] += d[i*rows+j]
		}
		own := labels[i]
		if size[own] == 1 {
			continue // 0
		}
		a := sum[own] / float64(size[own]-1)
		b := math.Inf(1)
		for l := range k {
			if l != own && size[l] > 0 {
				b = min(b, sum[l]/float64(size[l]))
			}
		}
		if m := max(a, b); m > 0 && !math.IsInf(b, 1) {
			out[i] = (b - a) / m
		}
	}
	return out
}

// ClusterOptions configure ClusterTaskVariance. The zero value is Yang et
// al. 2019's procedure (gyyang/multitask, analysis/clustering.py).
type ClusterOptions struct {
	// KMin and KMax bound the numbers of clusters tried (0 → 2 and 29:
	// clustering.py's range(2, 30)); KMax is lowered to the number of
	// units − 1 (the silhouette needs a unit outside every cluster) and to
	// the number of distinct rows.
	KMin, KMax int
	// KMeans configures each k's clustering.
	KMeans KMeansOptions
}

// TaskClusters is the outcome of ClusterTaskVariance.
type TaskClusters struct {
	// K is the number of clusters chosen: the k of highest silhouette
	// score (the first on a tie). Labels is the cluster (0 … K−1) of each
	// row (unit) given, clusters numbered in order of their preferred
	// task.
	K      int
	Labels []int
	// Pref is each cluster's preferred task: the column where the sum of
	// its units' normalised task variances is largest. Pref is
	// non-decreasing; clusters preferring the same task are ordered by
	// their first unit.
	Pref []int
	// Size is the number of units of each cluster.
	Size []int
	// Centers is K × tasks, row-major: each cluster's mean normalised task
	// variance.
	Centers []float64
	// Inertia is the k-means inertia of the partition.
	Inertia float64
	// Ks are the numbers of clusters tried and Scores their silhouette
	// scores (Fig. 2c of the paper).
	Ks     []int
	Scores []float64
	// Order lists the rows sorted by cluster, ascending within one: the
	// unit order of the task variance map (Fig. 2b). Tasks keep the
	// order they were given in, as in the paper.
	Order []int
}

// ClusterTaskVariance clusters units by their normalised task variance
// (TaskVarianceResult.Norm: units × tasks, row-major) as Yang et al. 2019
// did (Fig. 2b–c): k-means for every k in [KMin, KMax], the k of highest
// silhouette score kept, its clusters numbered by preferred task and the
// units sorted by cluster. It works for any matrix whose rows are to be
// clustered and whose columns are features.
//
// All randomness comes from rng (see KMeans). It returns an error for
// fewer than 3 rows, a mis-sized or non-finite matrix, a k range that is
// empty once capped, or a nil rng.
func ClusterTaskVariance(norm []float64, units, tasks int, opt ClusterOptions, rng *rand.Rand) (*TaskClusters, error) {
	if err := checkMatrix("cluster", norm, units, tasks); err != nil {
		return nil, err
	}
	if units < 3 {
		return nil, fmt.Errorf("analysis: cluster: %d unit(s) is not allowed: the silhouette of 2 or more clusters needs at least 3", units)
	}
	if rng == nil {
		return nil, fmt.Errorf("analysis: cluster: rng is nil: pass a *rand.Rand (math/rand/v2) so the result is reproducible")
	}
	kmin, kmax := opt.KMin, opt.KMax
	if kmin == 0 {
		kmin = 2
	}
	if kmax == 0 {
		kmax = 29
	}
	if kmin < 2 || kmax < kmin {
		return nil, fmt.Errorf("analysis: cluster: k range [%d, %d] is not allowed: need 2 ≤ kmin ≤ kmax", kmin, kmax)
	}
	distinct := 1
	d := distances(norm, units, tasks)
	for i := 1; i < units; i++ {
		dup := false
		for j := range i {
			if d[i*units+j] == 0 {
				dup = true
				break
			}
		}
		if !dup {
			distinct++
		}
	}
	top := min(kmax, units-1, distinct)
	if top < kmin {
		return nil, fmt.Errorf("analysis: cluster: k range [%d, %d] is empty for %d units with %d distinct rows: k can be at most %d", kmin, kmax, units, distinct, top)
	}
	res := &TaskClusters{}
	var best *KMeansResult
	bestScore := math.Inf(-1)
	for k := kmin; k <= top; k++ {
		km, err := kmeans(norm, units, tasks, k, opt.KMeans, rng)
		if err != nil {
			return nil, err
		}
		score := 0.0
		if dense, n, _ := denseLabels(km.Labels); n >= 2 {
			for _, s := range silhouette(d, units, dense, n) {
				score += s
			}
			score /= float64(units)
		}
		res.Ks = append(res.Ks, k)
		res.Scores = append(res.Scores, score)
		if score > bestScore {
			best, bestScore = km, score
		}
	}
	// Number the clusters by preferred task, then by first unit.
	k := best.K
	pref, first := make([]int, k), make([]int, k)
	colSum := make([]float64, k*tasks)
	for j := range first {
		first[j] = units
	}
	for i, l := range best.Labels {
		first[l] = min(first[l], i)
		for c := range tasks {
			colSum[l*tasks+c] += norm[i*tasks+c]
		}
	}
	var used []int // clusters with units (all of them, but for duplicates)
	for j := range k {
		if first[j] == units {
			continue
		}
		used = append(used, j)
		row := colSum[j*tasks : (j+1)*tasks]
		pref[j] = 0
		for c, v := range row {
			if v > row[pref[j]] {
				pref[j] = c
			}
		}
	}
	slices.SortFunc(used, func(a, b int) int {
		return cmp.Or(cmp.Compare(pref[a], pref[b]), cmp.Compare(first[a], first[b]))
	})
	relabel := make([]int, k)
	for nl, old := range used {
		relabel[old] = nl
	}
	res.K = len(used)
	res.Labels = make([]int, units)
	res.Size = make([]int, res.K)
	for i, l := range best.Labels {
		res.Labels[i] = relabel[l]
		res.Size[relabel[l]]++
	}
	for _, old := range used {
		res.Pref = append(res.Pref, pref[old])
		res.Centers = append(res.Centers, best.Centers[old*tasks:(old+1)*tasks]...)
	}
	res.Inertia = best.Inertia
	res.Order = make([]int, units)
	for i := range res.Order {
		res.Order[i] = i
	}
	slices.SortStableFunc(res.Order, func(a, b int) int { return cmp.Compare(res.Labels[a], res.Labels[b]) })
	return res, nil
}
