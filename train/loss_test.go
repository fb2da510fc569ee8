package train

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dale-rnn/dale/batch"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// refLoss computes each loss type in plain Go (float64) for the test.
func refLoss(d lossDef, y, r []float64, ws [3][]float64, bt *batch.Batch, n int) float64 {
	b, t, out := bt.Size, bt.Steps, bt.Out
	typ, metric, layer, tau, outputs := refParams(d.loss)
	mfr := make([]float64, n)
	for i := range b * t {
		for j := range n {
			mfr[j] += r[i*n+j] / float64(b*t)
		}
	}
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	switch typ {
	case "mse":
		var s, w float64
		for i := range y {
			s += float64(bt.Mask[i]) * math.Pow(y[i]-float64(bt.Targets[i]), 2)
			w += float64(bt.Mask[i])
		}
		return s / w
	case "cross_entropy":
		var s, wt float64
		for row := range b * t {
			var w, q float64
			for _, o := range outputs {
				w = max(w, float64(bt.Mask[row*out+o]))
				q += max(0, float64(bt.Targets[row*out+o]))
			}
			if q == 0 || w == 0 {
				continue
			}
			var z float64
			for _, o := range outputs {
				z += math.Exp(y[row*out+o])
			}
			var ce float64
			for _, o := range outputs {
				ce -= max(0, float64(bt.Targets[row*out+o])) / q * (y[row*out+o] - math.Log(z))
			}
			s += w * ce
			wt += w
		}
		return s / wt
	case "fr":
		v := make([]float64, n)
		for j, m := range mfr {
			if metric == "l1" {
				v[j] = math.Abs(m)
			} else {
				v[j] = m * m
			}
		}
		return mean(v)
	case "fr_dist":
		mu := mean(mfr)
		var ss, mad, maxad float64
		for _, m := range mfr {
			ss += (m - mu) * (m - mu)
			mad += math.Abs(m-mu) / float64(n)
			maxad = max(maxad, math.Abs(m-mu))
		}
		sd := math.Sqrt(ss/float64(n-1) + 1e-12)
		switch metric {
		case "sd":
			return sd
		case "cv":
			return sd / mu
		case "mean_ad":
			return mad
		}
		return maxad
	case "weight_l1", "weight_l2":
		idx := map[string][]int{"input": {0}, "hidden": {1}, "readout": {2}, "all": {0, 1, 2}}[layer]
		var s float64
		for _, i := range idx {
			var l float64
			for _, w := range ws[i] {
				if typ == "weight_l1" {
					l += math.Abs(w)
				} else {
					l += w * w
				}
			}
			s += l / float64(len(ws[i]))
		}
		return s
	case "state_pred":
		var s float64
		cnt := 0
		for bi := range b {
			for ti := range t - tau {
				for j := range n {
					x := r[(bi*t+ti)*n+j] - r[(bi*t+ti+tau)*n+j]
					s += x * x
					cnt++
				}
			}
		}
		return s / float64(cnt)
	}
	panic(typ)
}

// refParams returns the parameters of a built-in loss, defaults applied.
func refParams(l Loss) (typ, metric, layer string, tau int, outputs []int) {
	switch l := l.(type) {
	case FiringRate:
		metric = or(l.Metric, "l2")
	case FiringRateDist:
		metric = or(l.Metric, "sd")
	case WeightL1:
		layer = or(l.Layer, "all")
	case WeightL2:
		layer = or(l.Layer, "all")
	case StatePred:
		tau = max(1, l.Tau)
	case CrossEntropy:
		outputs = l.Outputs
	}
	return l.Type(), metric, layer, tau, outputs
}

func randBatch(rng *rand.Rand, b, t, in, out int) *batch.Batch {
	bt, _ := batch.New(b, t, in, out)
	for i := range bt.Targets {
		bt.Targets[i] = float32(rng.Float64())
		if rng.Float64() < 0.7 {
			bt.Mask[i] = float32(1 + rng.IntN(2))
		}
	}
	return bt
}

func TestLossesMatchReferenceAndGradients(t *testing.T) {
	const b, tt, n, in, out = 3, 6, 5, 2, 3
	specs := `[{"type":"mse"},{"type":"cross_entropy","lambda":0.5,"params":{"outputs":[0,2]}},
	{"type":"fr","params":{"metric":"l1"}},{"type":"fr"},{"type":"fr_dist"},{"type":"fr_dist","params":{"metric":"cv"}},
	{"type":"fr_dist","params":{"metric":"mean_ad"}},{"type":"fr_dist","params":{"metric":"max_ad"}},
	{"type":"weight_l1","params":{"layer":"hidden"}},{"type":"weight_l2"},{"type":"weight_l2","params":{"layer":"input"}},
	{"type":"state_pred","params":{"tau":2}}]`
	var ls []LossSpec
	if err := json.Unmarshal([]byte(specs), &ls); err != nil {
		t.Fatal(err)
	}
	defs, err := parseLosses(ls, out)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	bt := randBatch(rng, b, tt, in, out)
	rnd := func(k int, pos bool) []float64 {
		v := make([]float64, k)
		for i := range v {
			v[i] = rng.NormFloat64()
			if pos {
				v[i] = math.Abs(v[i]) + 0.1
			}
		}
		return v
	}
	yv, rv := rnd(b*tt*out, false), rnd(b*tt*n, true)
	ws := [3][]float64{rnd(in*n, false), rnd(n*n, false), rnd(n*out, false)}
	for _, d := range defs {
		t.Run(d.name, func(t *testing.T) {
			eval := func(y, r []float64) (float64, []float64, []float64) {
				g := G.NewGraph()
				mk := func(name string, v []float64, shape ...int) *G.Node {
					return G.NewTensor(g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(name),
						G.WithValue(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))))
				}
				ln := lossNodes{Outputs: mk("y", y, b, tt, out), Rates: mk("r", r, b, tt, n),
					WIn: mk("wi", ws[0], in, n), WRec: mk("wr", ws[1], n, n), WOut: mk("wo", ws[2], n, out)}
				lg, err := buildLosses(g, ln, []lossDef{d}, b, tt)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range lg.fills {
					f(bt)
				}
				var wrt []*G.Node
				for i, ok := range reachable(g, lg.total, []*G.Node{ln.Outputs, ln.Rates}) {
					if ok {
						wrt = append(wrt, []*G.Node{ln.Outputs, ln.Rates}[i])
					}
				}
				if len(wrt) > 0 {
					if _, err := G.Grad(lg.total, wrt...); err != nil {
						t.Fatal(err)
					}
				}
				vm := G.NewTapeMachine(g, G.BindDualValues(wrt...))
				defer vm.Close()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				grad := func(n *G.Node, k int) []float64 {
					v, err := n.Grad()
					if err != nil {
						return make([]float64, k) // not reached: gradient 0
					}
					return append([]float64(nil), v.Data().([]float64)...)
				}
				return lg.terms[0].Value().Data().(float64), grad(ln.Outputs, len(y)), grad(ln.Rates, len(r))
			}
			got, gy, gr := eval(yv, rv)
			want := refLoss(d, yv, rv, ws, bt, n)
			if math.Abs(got-want) > 1e-9*max(1, math.Abs(want)) {
				t.Fatalf("value %v, reference %v", got, want)
			}
			// finite differences on a few elements of y and r
			for _, which := range []int{0, 1} {
				base, grad := yv, gy
				if which == 1 {
					base, grad = rv, gr
				}
				for _, k := range []int{0, 7, len(base) - 1} {
					h := 1e-6
					p := append([]float64(nil), base...)
					p[k] += h
					m := append([]float64(nil), base...)
					m[k] -= h
					var lp, lm float64
					if which == 0 {
						lp, lm = refLoss(d, p, rv, ws, bt, n), refLoss(d, m, rv, ws, bt, n)
					} else {
						lp, lm = refLoss(d, yv, p, ws, bt, n), refLoss(d, yv, m, ws, bt, n)
					}
					fd := d.lambda * (lp - lm) / (2 * h)
					if math.Abs(fd-grad[k]) > 1e-6*max(1, math.Abs(fd)) {
						t.Errorf("d/d%s[%d]: graph %v, finite differences %v", []string{"y", "r"}[which], k, grad[k], fd)
					}
				}
			}
		})
	}
}

func TestLossSpecErrors(t *testing.T) {
	cases := []struct{ json, want string }{
		{`[{"type":"msee"}]`, `losses[0].type = "msee" is not allowed: must be one of`},
		{`[{"type":"mse","lamda":1}]`, `unknown field "lamda"`},
		{`[{"type":"mse","lambda":-1}]`, `losses[0].lambda = -1 is not allowed`},
		{`[{"type":"mse","params":{"x":1}}]`, `losses[0].params.x is not allowed for type "mse": allowed params: none`},
		{`[{"type":"mse"},{"type":"fr","params":{"metric":"l3"}}]`, `losses[1].params.metric = "l3" is not allowed: must be one of l1, l2`},
		{`[{"type":"fr_dist","params":{"metric":3}}]`, `losses[0].params.metric = 3 is not allowed: must be one of sd, cv, mean_ad, max_ad`},
		{`[{"type":"weight_l1","params":{"layer":"hiden"}}]`, `params.layer = "hiden" is not allowed: must be one of input, hidden, readout, all`},
		{`[{"type":"state_pred","params":{"tau":0.5}}]`, `params.tau = 0.5 is not allowed: must be an integer >= 1`},
		{`[{"type":"cross_entropy"}]`, `losses[0].params.outputs is missing`},
		{`[{"type":"cross_entropy","params":{"outputs":[0,3]}}]`, `params.outputs = [0,3] is not allowed: must be a list of at least 2 distinct output indices in [0, 3)`},
		{`[{"type":"cross_entropy","params":{"outputs":[1,1]}}]`, `params.outputs = [1,1] is not allowed`},
		{`[{"type":"mse"},{"type":"mse"}]`, `losses[1]: a second term named "mse"`},
		{`[{"type":"mse","name":"total"}]`, `losses[0].name = "total" is not allowed`},
	}
	for _, c := range cases {
		ls, err := decodeLosses([]byte(c.json))
		if err == nil {
			_, err = parseLosses(ls, 3)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.json, err, c.want)
		}
	}
	defs, err := parseLosses(nil, 1)
	if err != nil || len(defs) != 1 || defs[0].loss.Type() != "mse" || defs[0].lambda != 1 {
		t.Errorf("default losses = %+v, %v; want one mse with lambda 1", defs, err)
	}
}
