package analysis_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/dale-rnn/dale/analysis"
)

// Task variance and clustering (Yang et al. 2019) of seven units on three
// tasks of four stimulus conditions each (one noise-free trial per
// condition, eight steps, the first two — fixation — left out): units 0
// and 1 are tuned to the stimulus in "go" only, 2 and 3 in "anti" only
// (unit 3 a little in "go" too), 4 and 5 in both "dm1" and "go", and unit
// 6 never changes. In a trained network Rates is rnn.Result.Rates of a
// batch of each task's trials.
func ExampleTaskVariance() {
	const conds, steps, n = 4, 8, 7
	gain := map[string][]float64{ // [task][unit]: tuning depth
		"go":   {1, 0.6, 0, 0.15, 0.5, 0.4, 0},
		"anti": {0, 0, 0.8, 1, 0, 0, 0},
		"dm1":  {0, 0, 0, 0, 0.5, 0.5, 0},
	}
	var tasks []analysis.TaskActivity
	for _, name := range []string{"go", "anti", "dm1"} {
		rates := make([]float32, conds*steps*n)
		for c := range conds {
			theta := 2 * math.Pi * float64(c) / conds
			for s := 2; s < steps; s++ {
				for i := range n {
					rates[(c*steps+s)*n+i] = float32(0.5 + gain[name][i]*math.Cos(theta-float64(i)))
				}
			}
		}
		tasks = append(tasks, analysis.TaskActivity{Name: name, Rates: rates, Trials: conds, Steps: steps, N: n, From: 2})
	}
	tv, err := analysis.TaskVariance(tasks, analysis.TaskVarianceOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("tasks:", tv.Tasks, "kept units:", tv.Active)
	for r, u := range tv.Active {
		fmt.Printf("unit %d: normalised %.2f\n", u, tv.Norm[r*3:(r+1)*3])
	}
	cl, err := analysis.ClusterTaskVariance(tv.Norm, len(tv.Active), len(tv.Tasks), analysis.ClusterOptions{}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("k tried %v, silhouette %.2f\n", cl.Ks, cl.Scores)
	fmt.Println("clusters:", cl.K, "labels:", cl.Labels, "preferred tasks:", cl.Pref)
	order := make([]int, len(cl.Order))
	for i, r := range cl.Order {
		order[i] = tv.Active[r]
	}
	fmt.Println("units in map order:", order)
	ftv, units, _ := tv.Fractional("go", "anti")
	fmt.Printf("FTV(go, anti) of units %v: %+.2f\n", units, ftv)
	counts, _, _ := analysis.FTVHistogram(ftv, 4)
	fmt.Println("histogram in 4 bins:", counts)
	// Output:
	// tasks: [go anti dm1] kept units: [0 1 2 3 4 5]
	// unit 0: normalised [1.00 0.00 0.00]
	// unit 1: normalised [1.00 0.00 0.00]
	// unit 2: normalised [0.00 1.00 0.00]
	// unit 3: normalised [0.02 1.00 0.00]
	// unit 4: normalised [1.00 0.00 1.00]
	// unit 5: normalised [0.64 0.00 1.00]
	// k tried [2 3 4 5], silhouette [0.67 0.88 0.66 0.33]
	// clusters: 3 labels: [0 0 1 1 2 2] preferred tasks: [0 1 2]
	// units in map order: [0 1 2 3 4 5]
	// FTV(go, anti) of units [0 1 2 3 4 5]: [+1.00 +1.00 -1.00 -0.96 +1.00 +1.00]
	// histogram in 4 bins: [2 0 0 4]
}
