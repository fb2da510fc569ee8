package analysis

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// clusterTestBlobs returns k blobs of size points each in dims ≥ k
// dimensions, shuffled: blob j sits at 1 in dimension j and 0.1 in the
// others, with Gaussian noise of standard deviation sd. want[i] is row
// i's blob.
func clusterTestBlobs(k, size, dims int, sd float64, rng *rand.Rand) (x []float64, want []int) {
	for _, i := range rng.Perm(k * size) {
		j := i / size
		want = append(want, j)
		for d := range dims {
			v := 0.1
			if d == j {
				v = 1
			}
			x = append(x, v+sd*rng.NormFloat64())
		}
	}
	return x, want
}

// clusterTestSame reports whether two labellings are the same partition.
func clusterTestSame(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	ab, ba := map[int]int{}, map[int]int{}
	for i := range a {
		if j, ok := ab[a[i]]; ok && j != b[i] {
			return false
		}
		if j, ok := ba[b[i]]; ok && j != a[i] {
			return false
		}
		ab[a[i]], ba[b[i]] = b[i], a[i]
	}
	return true
}

func TestKMeansBlobs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, want := clusterTestBlobs(4, 25, 6, 0.05, rng)
	res, err := KMeans(x, 100, 6, 4, KMeansOptions{}, rng)
	if err != nil {
		t.Fatal(err)
	}
	if !clusterTestSame(res.Labels, want) {
		t.Fatalf("labels %v are not the blobs %v", res.Labels, want)
	}
	// Centres are the cluster means; inertia the summed squared distances.
	inertia := 0.0
	for i, l := range res.Labels {
		inertia += sqDist(x[i*6:(i+1)*6], res.Centers[l*6:(l+1)*6])
	}
	if math.Abs(inertia-res.Inertia) > 1e-9 {
		t.Errorf("inertia %v, recomputed %v", res.Inertia, inertia)
	}
	for l := range 4 {
		mean := make([]float64, 6)
		n := 0
		for i, li := range res.Labels {
			if li == l {
				n++
				for d := range 6 {
					mean[d] += x[i*6+d]
				}
			}
		}
		for d := range 6 {
			if math.Abs(mean[d]/float64(n)-res.Centers[l*6+d]) > 1e-12 {
				t.Errorf("centre %d dim %d = %v, mean %v", l, d, res.Centers[l*6+d], mean[d]/float64(n))
			}
		}
	}
}

// TestKMeansOptimal: on 9 points on a line, k-means with restarts finds
// the partition of least inertia, found here by trying every split of
// the sorted points into 3 runs (an optimal 1-D partition is contiguous).
func TestKMeansOptimal(t *testing.T) {
	x := []float64{0, 0.4, 1.1, 3, 3.2, 3.9, 7, 8.5, 8.6}
	best := math.Inf(1)
	for a := 1; a < len(x); a++ {
		for b := a + 1; b < len(x); b++ {
			in := 0.0
			for _, run := range [][]float64{x[:a], x[a:b], x[b:]} {
				m := 0.0
				for _, v := range run {
					m += v
				}
				m /= float64(len(run))
				for _, v := range run {
					in += (v - m) * (v - m)
				}
			}
			best = min(best, in)
		}
	}
	res, err := KMeans(x, len(x), 1, 3, KMeansOptions{Restarts: 10}, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.Inertia-best) > 1e-12 {
		t.Errorf("inertia %v, optimum %v (labels %v)", res.Inertia, best, res.Labels)
	}
}

// TestKMeansDuplicates: more clusters than distinct points leaves no
// label out of range and no NaN centre.
func TestKMeansDuplicates(t *testing.T) {
	x := []float64{0, 0, 0, 1, 1, 1}
	res, err := KMeans(x, 6, 1, 3, KMeansOptions{Restarts: 3, MaxIter: 20}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range res.Labels {
		if l < 0 || l >= 3 {
			t.Errorf("label %d of row %d", l, i)
		}
	}
	for _, c := range res.Centers {
		if math.IsNaN(c) {
			t.Errorf("NaN centre: %v", res.Centers)
		}
	}
	if res.Inertia != 0 {
		t.Errorf("inertia %v, want 0", res.Inertia)
	}
}

func TestKMeansDeterministic(t *testing.T) {
	x, _ := clusterTestBlobs(5, 12, 5, 0.3, rand.New(rand.NewPCG(9, 9)))
	run := func(procs int) *KMeansResult {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		res, err := KMeans(x, 60, 5, 5, KMeansOptions{Restarts: 8}, rand.New(rand.NewPCG(42, 0)))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b, c := run(1), run(4), run(4)
	for _, o := range []*KMeansResult{b, c} {
		if !slices.Equal(a.Labels, o.Labels) || !slices.Equal(a.Centers, o.Centers) || a.Inertia != o.Inertia {
			t.Errorf("results differ: %v / %v, inertia %v / %v", a.Labels, o.Labels, a.Inertia, o.Inertia)
		}
	}
}

// TestSilhouetteHand checks two partitions worked out by hand.
func TestSilhouetteHand(t *testing.T) {
	// 0, 1 | 4: row 0 a = 1, b = 4 → 3/4; row 1 a = 1, b = 3 → 2/3; row 2
	// alone → 0.
	score, samples, err := Silhouette([]float64{0, 1, 4}, 3, 1, []int{7, 7, 2})
	if err != nil {
		t.Fatal(err)
	}
	tvTestClose(t, "samples", samples, []float64{0.75, 2.0 / 3, 0}, 1e-15)
	tvTestClose(t, "score", []float64{score}, []float64{(0.75 + 2.0/3) / 3}, 1e-15)
	// (0, 0), (0, 2) | (6, 0), (6, 8): row 0 a = 2, b = (6 + 10)/2 = 8 →
	// 3/4; row 1 a = 2, b = (√40 + √72)/2; row 2 a = 8, b = (6 + √40)/2;
	// row 3 a = 8, b = (10 + √72)/2.
	x := []float64{0, 0, 0, 2, 6, 0, 6, 8}
	score, samples, err = Silhouette(x, 4, 2, []int{0, 0, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	s := func(a, b float64) float64 { return (b - a) / max(a, b) }
	want := []float64{
		s(2, 8),
		s(2, (math.Sqrt(40)+math.Sqrt(72))/2),
		s(8, (6+math.Sqrt(40))/2),
		s(8, (10+math.Sqrt(72))/2),
	}
	tvTestClose(t, "samples", samples, want, 1e-15)
	tvTestClose(t, "score", []float64{score}, []float64{(want[0] + want[1] + want[2] + want[3]) / 4}, 1e-15)

	for _, tc := range []struct {
		name   string
		labels []int
		want   string
	}{
		{"one cluster", []int{0, 0, 0, 0}, "1 distinct labels"},
		{"all alone", []int{0, 1, 2, 3}, "4 distinct labels"},
		{"negative", []int{0, -1, 0, 1}, "label -1"},
		{"count", []int{0, 1}, "2 labels for 4 rows"},
	} {
		if _, _, err := Silhouette(x, 4, 2, tc.labels); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestClusterTaskVarianceBlobs: five well-separated groups of units, each
// preferring its own task, come out as exactly five clusters numbered by
// their preferred task, whatever k-means' own numbering.
func TestClusterTaskVarianceBlobs(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const k, size, tasks = 5, 16, 7
	x, want := clusterTestBlobs(k, size, tasks, 0.03, rng)
	res, err := ClusterTaskVariance(x, k*size, tasks, ClusterOptions{KMax: 12}, rand.New(rand.NewPCG(1, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if res.K != k {
		t.Fatalf("K = %d, want %d (scores %v at %v)", res.K, k, res.Scores, res.Ks)
	}
	if !slices.Equal(res.Labels, want) {
		t.Errorf("labels %v, want %v", res.Labels, want)
	}
	if !slices.Equal(res.Pref, []int{0, 1, 2, 3, 4}) || !slices.Equal(res.Size, []int{size, size, size, size, size}) {
		t.Errorf("pref %v, size %v", res.Pref, res.Size)
	}
	if !slices.Equal(res.Ks, []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}) || len(res.Scores) != len(res.Ks) {
		t.Fatalf("ks %v, %d scores", res.Ks, len(res.Scores))
	}
	for i, s := range res.Scores {
		if res.Ks[i] != k && s >= res.Scores[k-2] {
			t.Errorf("score %v at k = %d is not below %v at k = %d", s, res.Ks[i], res.Scores[k-2], k)
		}
	}
	if res.Scores[k-2] < 0.9 {
		t.Errorf("silhouette %v at k = %d: well-separated blobs should score near 1", res.Scores[k-2], k)
	}
	// Order sorts by cluster, ascending within one.
	for i := 1; i < len(res.Order); i++ {
		a, b := res.Order[i-1], res.Order[i]
		if la, lb := res.Labels[a], res.Labels[b]; la > lb || la == lb && a > b {
			t.Fatalf("order %v is not sorted by cluster then unit", res.Order)
		}
	}
	for l := range k {
		if c := res.Centers[l*tasks+l]; math.Abs(c-1) > 0.05 {
			t.Errorf("centre %d at its preferred task = %v, want ≈ 1", l, c)
		}
	}
	// The silhouette of the result agrees with Silhouette.
	score, _, err := Silhouette(x, k*size, tasks, res.Labels)
	if err != nil || math.Abs(score-res.Scores[k-2]) > 1e-12 {
		t.Errorf("Silhouette %v (%v), Scores[k] %v", score, err, res.Scores[k-2])
	}
	// The same seed gives the same result.
	again, err := ClusterTaskVariance(x, k*size, tasks, ClusterOptions{KMax: 12}, rand.New(rand.NewPCG(1, 0)))
	if err != nil || !slices.Equal(again.Scores, res.Scores) || !slices.Equal(again.Labels, res.Labels) || !slices.Equal(again.Order, res.Order) {
		t.Errorf("a second run with the same seed differs (%v)", err)
	}
}

// TestClusterTaskVarianceCaps: the k range is capped at units − 1 and at
// the number of distinct rows.
func TestClusterTaskVarianceCaps(t *testing.T) {
	x := []float64{1, 0, 1, 0, 0, 1, 0, 1, 0.5, 0.5}
	res, err := ClusterTaskVariance(x, 5, 2, ClusterOptions{}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Ks, []int{2, 3}) {
		t.Errorf("ks %v, want [2 3] (3 distinct rows)", res.Ks)
	}
	// Three clusters: (1, 0) ×2 prefers task 0, (0.5, 0.5) also task 0 (a
	// tie goes to the first) but starts later, (0, 1) ×2 task 1.
	if res.K != 3 || !slices.Equal(res.Labels, []int{0, 0, 2, 2, 1}) || !slices.Equal(res.Pref, []int{0, 0, 1}) {
		t.Errorf("K %d, labels %v, pref %v, scores %v", res.K, res.Labels, res.Pref, res.Scores)
	}
	if !slices.Equal(res.Order, []int{0, 1, 4, 2, 3}) {
		t.Errorf("order %v", res.Order)
	}
}

func TestClusterTaskVarianceErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := []float64{0, 1, 2, 3, 4, 5}
	for _, tc := range []struct {
		name  string
		x     []float64
		units int
		opt   ClusterOptions
		rng   *rand.Rand
		want  string
	}{
		{"two units", x[:2], 2, ClusterOptions{}, rng, "2 unit(s)"},
		{"size", x, 5, ClusterOptions{}, rng, "x has 6 values"},
		{"nan", []float64{0, 1, math.NaN()}, 3, ClusterOptions{}, rng, "must be finite"},
		{"kmin", x, 6, ClusterOptions{KMin: 1}, rng, "k range [1, 29]"},
		{"kmax", x, 6, ClusterOptions{KMin: 4, KMax: 3}, rng, "k range [4, 3]"},
		{"empty", x, 6, ClusterOptions{KMin: 6}, rng, "k can be at most 5"},
		{"rng", x, 6, ClusterOptions{}, nil, "rng is nil"},
		{"restarts", x, 6, ClusterOptions{KMeans: KMeansOptions{Restarts: -1}}, rng, "restarts = -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ClusterTaskVariance(tc.x, tc.units, 1, tc.opt, tc.rng)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := KMeans(x, 6, 1, 7, KMeansOptions{}, rng); err == nil || !strings.Contains(err.Error(), "k = 7") {
		t.Errorf("k = 7 of 6 rows: err = %v", err)
	}
	if _, err := KMeans(x, 6, 1, 2, KMeansOptions{}, nil); err == nil {
		t.Error("nil rng accepted")
	}
}
