package rnn

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/dale-rnn/dale/internal/blas"
)

// The rates op gives the values and gradients of gorgonia's own elementwise
// ops (Activation.Node + Add).
func TestRatesOpMatchesGorgonia(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, act := range activations {
			t.Run(dt.String()+"/"+string(act), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 3))
				const B, T, N = 2, 3, 5
				vals := func(n int) *tensor.Dense {
					v := make([]float64, n)
					for i := range v {
						v[i] = 2 * rng.NormFloat64()
					}
					v[0] = 0 // the kink of relu/retanh
					if dt == tensor.Float32 {
						f := make([]float32, n)
						for i, x := range v {
							f[i] = float32(x)
						}
						return tensor.New(tensor.WithShape(n), tensor.WithBacking(f))
					}
					return tensor.New(tensor.WithShape(n), tensor.WithBacking(v))
				}
				vv, ev, cv, bv, cv2 := vals(B*T*N), vals(B*T*N), vals(B*T*N), vals(N), vals(B*T*N)
				run := func(ours bool) (r, y []float64, grads [3][]float64) {
					g := G.NewGraph()
					leaf := func(name string, d *tensor.Dense, shape ...int) *G.Node {
						c := d.Clone().(*tensor.Dense)
						if err := c.Reshape(shape...); err != nil {
							t.Fatal(err)
						}
						return G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(c))
					}
					v := leaf("v", vv, B, T, N)
					eta := leaf("eta", ev, B, T, N)
					c := leaf("c", cv, B, T, N)
					x := leaf("x", cv2, B*T, N)
					b := leaf("b", bv, N)
					var rn, yn *G.Node
					var err error
					if ours {
						rn, err = G.ApplyOp(ratesOp{act: act, noisy: true, shape: tensor.Shape{B, T, N}}, v, eta)
						if err == nil {
							// x·1 + b through the affine op
							eye := make([]float64, N*N)
							for i := 0; i < N; i++ {
								eye[i*N+i] = 1
							}
							id := G.NewTensor(g, dt, 2, G.WithShape(N, N), G.WithName("eye"), G.WithValue(mkDense(dt, eye, N, N)))
							yn, err = G.ApplyOp(affineOp{m: B * T, n: N, k: N, bias: true, diffA: true}, x, id, b)
						}
					} else {
						if rn, err = act.Node(v); err == nil {
							if rn, err = G.Add(rn, eta); err == nil {
								yn, err = G.BroadcastAdd(x, b, nil, []byte{0})
							}
						}
					}
					if err != nil {
						t.Fatal(err)
					}
					p1 := G.Must(G.HadamardProd(rn, c))
					p2 := G.Must(G.Square(yn))
					loss := G.Must(G.Add(G.Must(G.Sum(p1)), G.Must(G.Sum(p2))))
					gs, err := G.Grad(loss, v, x, b)
					if err != nil {
						t.Fatal(err)
					}
					vm := G.NewTapeMachine(g)
					defer vm.Close()
					if err := vm.RunAll(); err != nil {
						t.Fatal(err)
					}
					r, _ = nodeFloat64(rn)
					y, _ = nodeFloat64(yn)
					for i := range gs {
						grads[i], _ = nodeFloat64(gs[i])
					}
					return
				}
				r1, y1, g1 := run(true)
				r2, y2, g2 := run(false)
				tol := 1e-12
				if dt == tensor.Float32 {
					tol = 1e-6
				}
				cmp := func(what string, a, b []float64) {
					t.Helper()
					if len(a) != len(b) || len(a) == 0 {
						t.Fatalf("%s: %d vs %d values", what, len(a), len(b))
					}
					for i := range a {
						if math.Abs(a[i]-b[i]) > tol*math.Max(1, math.Abs(b[i])) {
							t.Fatalf("%s[%d]: ours %v, gorgonia %v", what, i, a[i], b[i])
						}
					}
				}
				cmp("rates", r1, r2)
				cmp("bias add", y1, y2)
				cmp("d/dv", g1[0], g2[0])
				cmp("d/dx", g1[1], g2[1])
				cmp("d/db", g1[2], g2[2])
			})
		}
	}
}

// Finite differences on a small float64 model: the graph's gradient of a
// loss over outputs and rates with respect to every raw parameter (through
// |W| ⊙ M, the bias ops and the rates op) matches central differences.
func TestModelFiniteDifferences(t *testing.T) {
	for _, c := range []struct{ engine, output, inputSign string }{
		{EngineFused, OutputLinear, InputSignDale}, {EngineUnrolled, OutputLinear, InputSignDale},
		{EngineFused, OutputSigmoid, InputSignDale}, {EngineFused, OutputLinear, InputSignFree},
	} {
		engine := c.engine
		t.Run(engine+"/"+c.output+"/input_sign_"+c.inputSign, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(17, 18))
			cfg := DefaultConfig()
			cfg.OutputActivation = c.output
			cfg.InputSign = c.inputSign
			cfg.Dims = []int{2, 6, 2}
			cfg.DType = Float64
			cfg.Activation = Tanh
			cfg.Engine = engine
			cfg.LearnAlpha = true
			cfg.InitState = "learn"
			cfg.Masks = eiMasks(rng, 2, 6, 2, 4, 0.6)
			if c.inputSign == InputSignFree {
				// absent and "−1" input synapses: W_in ⊙ |M_in| must ignore the sign
				cfg.Masks.Input[1], cfg.Masks.Input[4], cfg.Masks.Input[7] = 0, -1, -1
			}
			m, err := New(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			randomize(m, rng, 0.6)
			for _, name := range []string{NameWIn, NameWRec, NameWOut} {
				// keep raw weights away from the kink of |w|
				d := m.Param(name).Value.Data().([]float64)
				for i := range d {
					if math.Abs(d[i]) < 0.05 {
						d[i] = 0.05
					}
				}
			}
			const B, T = 2, 5
			x := randInputs(rng, B*T*2)
			_, grads := lossAndGrads(t, m, x, B, T, 1)
			loss := func() float64 {
				l, _ := lossAndGrads(t, m, x, B, T, 1)
				return l
			}
			const h = 1e-6
			checked := 0
			for _, p := range m.Params() {
				d := p.Value.Data().([]float64)
				for i := 0; i < len(d); i += 2 {
					old := d[i]
					d[i] = old + h
					lp := loss()
					d[i] = old - h
					lm := loss()
					d[i] = old
					fd := (lp - lm) / (2 * h)
					g := grads[p.Name][i]
					if math.Abs(fd-g) > 1e-6*math.Max(1, math.Abs(fd)) {
						t.Errorf("%s[%d]: graph gradient %v, finite difference %v", p.Name, i, g, fd)
					}
					checked++
				}
			}
			if checked < 30 {
				t.Fatalf("only %d entries checked", checked)
			}
		})
	}
}

func TestBranchlessReLU(t *testing.T) {
	in32 := []float32{-2, float32(math.Copysign(0, -1)), 0, 1e-40, 3, float32(math.Inf(1)), float32(math.Inf(-1)), -1e-40}
	want := []float32{0, 0, 0, 1e-40, 3, float32(math.Inf(1)), 0, 0}
	wantD := []float32{0, 0, 0, 5, 5, 5, 0, 0}
	r := make([]float32, len(in32))
	rateReLU(in32, r)
	d := make([]float32, len(in32))
	dr := []float32{5, 5, 5, 5, 5, 5, 5, 5}
	rateReLUGrad(in32, dr, d)
	for i := range in32 {
		if r[i] != want[i] || math.Signbit(float64(r[i])) || d[i] != wantD[i] {
			t.Errorf("relu(%v) = %v, grad %v; want %v, %v", in32[i], r[i], d[i], want[i], wantD[i])
		}
	}
	in64 := []float64{-2, math.Copysign(0, -1), 0, 1e-310, 3}
	r64 := make([]float64, len(in64))
	d64 := make([]float64, len(in64))
	rateReLU(in64, r64)
	rateReLUGrad(in64, []float64{7, 7, 7, 7, 7}, d64)
	for i, w := range []float64{0, 0, 0, 1e-310, 3} {
		if r64[i] != w || math.Signbit(r64[i]) || (d64[i] == 7) != (w > 0) {
			t.Errorf("relu64(%v) = %v, grad %v", in64[i], r64[i], d64[i])
		}
	}
}

// BenchmarkRatesOp: the rates op forward and backward at config R's size
// (64×100×256, float32, random signs).
func BenchmarkRatesOp(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	n := 64 * 100 * 256
	v, dr, r, dv := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range v {
		v[i], dr[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	b.SetBytes(int64(4 * n))
	for i := 0; i < b.N; i++ {
		rateApplyPar(ReLU, v, nil, r)
		rateBackwardPar(ReLU, v, dr, dv)
	}
}

// The affine op (with and without bias) gives gorgonia's Mul (+ BroadcastAdd)
// values and gradients, for each BLAS.
func TestAffineOpMatchesGorgonia(t *testing.T) {
	prev := blas.Name()
	defer func() {
		_ = blas.Set(prev)
		blas.UseInGorgonia()
	}()
	for _, name := range []string{blas.Go, blas.OpenBLAS} {
		if err := blas.Set(name); err != nil {
			t.Logf("BLAS %s not available: %v", name, err)
			continue
		}
		blas.UseInGorgonia()
		// skinny input side, skinny readout side, neither (the gemm path)
		for _, sh := range [][3]int{{7, 3, 5}, {600, 30, 3}, {600, 3, 30}, {9, 20, 20}} {
			testAffineOp(t, sh[0], sh[1], sh[2])
		}
	}
}

func testAffineOp(t *testing.T, M, K, N int) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, bias := range []bool{true, false} {
			rng := rand.New(rand.NewPCG(2, 9))
			mk := func(n int) *tensor.Dense {
				v := make([]float64, n)
				for i := range v {
					v[i] = rng.NormFloat64()
				}
				if dt == tensor.Float32 {
					f := make([]float32, n)
					for i, x := range v {
						f[i] = float32(x)
					}
					return tensor.New(tensor.WithShape(n), tensor.WithBacking(f))
				}
				return tensor.New(tensor.WithShape(n), tensor.WithBacking(v))
			}
			av, bv, biv, cv := mk(M*K), mk(K*N), mk(N), mk(M*N)
			run := func(ours bool) (y []float64, grads [3][]float64) {
				g := G.NewGraph()
				leaf := func(name string, d *tensor.Dense, shape ...int) *G.Node {
					c := d.Clone().(*tensor.Dense)
					if err := c.Reshape(shape...); err != nil {
						t.Fatal(err)
					}
					return G.NewTensor(g, dt, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(c))
				}
				a, b, bi, c := leaf("a", av, M, K), leaf("b", bv, K, N), leaf("bias", biv, N), leaf("c", cv, M, N)
				var yn *G.Node
				var err error
				if ours {
					if bias {
						yn, err = G.ApplyOp(affineOp{m: M, n: N, k: K, bias: true, diffA: true}, a, b, bi)
					} else {
						yn, err = G.ApplyOp(affineOp{m: M, n: N, k: K, diffA: true}, a, b)
					}
				} else {
					yn, err = G.Mul(a, b)
					if err == nil && bias {
						yn, err = G.BroadcastAdd(yn, bi, nil, []byte{0})
					}
				}
				if err != nil {
					t.Fatal(err)
				}
				loss := G.Must(G.Sum(G.Must(G.HadamardProd(yn, c))))
				wrt := G.Nodes{a, b}
				if bias {
					wrt = append(wrt, bi)
				}
				gs, err := G.Grad(loss, wrt...)
				if err != nil {
					t.Fatal(err)
				}
				vm := G.NewTapeMachine(g)
				defer vm.Close()
				if err := vm.RunAll(); err != nil {
					t.Fatal(err)
				}
				y, _ = nodeFloat64(yn)
				for i := range gs {
					grads[i], _ = nodeFloat64(gs[i])
				}
				return
			}
			y1, g1 := run(true)
			y2, g2 := run(false)
			tol := 1e-12 * float64(M)
			if dt == tensor.Float32 {
				tol = 1e-5 * float64(M)
			}
			for i, pair := range [][2][]float64{{y1, y2}, {g1[0], g2[0]}, {g1[1], g2[1]}, {g1[2], g2[2]}} {
				if len(pair[0]) != len(pair[1]) || (i < 3 && len(pair[0]) == 0) {
					t.Fatalf("%v bias %v: part %d has %d vs %d values", dt, bias, i, len(pair[0]), len(pair[1]))
				}
				for j := range pair[0] {
					if math.Abs(pair[0][j]-pair[1][j]) > tol*math.Max(1, math.Abs(pair[1][j])) {
						t.Fatalf("%v bias %v: part %d [%d]: ours %v, gorgonia %v", dt, bias, i, j, pair[0][j], pair[1][j])
					}
				}
			}
		}
	}
}

func mkDense(dt tensor.Dtype, v []float64, shape ...int) *tensor.Dense {
	if dt == tensor.Float32 {
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(f))
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
}

// EffectiveNode gives exactly (bit for bit) what gorgonia's Abs followed by
// HadamardProd gives, values and gradients, including raw weights at 0.
func TestEffectiveNodeMatchesAbsHadamard(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, dale := range []bool{true, false} {
			for _, masked := range []bool{true, false} {
				if !dale && !masked {
					continue // the raw node itself
				}
				rng := rand.New(rand.NewPCG(6, 7))
				const R, C = 5, 4
				w, m, u := make([]float64, R*C), make([]float64, R*C), make([]float64, R*C)
				for i := range w {
					w[i] = rng.NormFloat64()
					m[i] = float64(rng.IntN(3) - 1)
					if !dale {
						m[i] = math.Abs(m[i])
					}
					u[i] = rng.NormFloat64()
				}
				w[0], w[1] = 0, math.Copysign(0, -1)
				run := func(ours bool) (e, dw []float64) {
					g := G.NewGraph()
					wn := G.NewTensor(g, dt, 2, G.WithShape(R, C), G.WithName("w"), G.WithValue(mkDense(dt, w, R, C)))
					un := G.NewTensor(g, dt, 2, G.WithShape(R, C), G.WithName("u"), G.WithValue(mkDense(dt, u, R, C)))
					var mn *G.Node
					if masked {
						mn = G.NewTensor(g, dt, 2, G.WithShape(R, C), G.WithName("m"), G.WithValue(mkDense(dt, m, R, C)))
					}
					var en *G.Node
					var err error
					if ours {
						en, err = EffectiveNode(wn, mn, dale)
					} else {
						en = wn
						if dale {
							en, err = G.Abs(wn)
						}
						if err == nil && masked {
							en, err = G.HadamardProd(en, mn)
						}
					}
					if err != nil {
						t.Fatal(err)
					}
					loss := G.Must(G.Sum(G.Must(G.HadamardProd(en, un))))
					gs, err := G.Grad(loss, wn)
					if err != nil {
						t.Fatal(err)
					}
					vm := G.NewTapeMachine(g)
					defer vm.Close()
					if err := vm.RunAll(); err != nil {
						t.Fatal(err)
					}
					e, _ = nodeFloat64(en)
					dw, _ = nodeFloat64(gs[0])
					return
				}
				e1, d1 := run(true)
				e2, d2 := run(false)
				for i := range e1 {
					if math.Float64bits(e1[i]) != math.Float64bits(e2[i]) || math.Float64bits(d1[i]) != math.Float64bits(d2[i]) {
						t.Fatalf("%v dale %v masked %v [%d]: ours %v / %v, gorgonia %v / %v", dt, dale, masked, i, e1[i], d1[i], e2[i], d2[i])
					}
				}
				if dale && d1[0] != 0 {
					t.Fatalf("gradient at a raw weight of exactly 0 = %v, want 0 (sign(0) = 0)", d1[0])
				}
			}
		}
	}
}

// Splitting the rates over goroutines gives the same bits as one pass.
func TestRatesParallelSameBits(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	n := 3*rateParallelMin + 17
	v, e, dr := make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range v {
		v[i], e[i], dr[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64()), float32(rng.NormFloat64())
	}
	for _, act := range activations {
		r1, r2, d1, d2 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		rateApply(act, v, e, r1)
		rateApplyPar(act, v, e, r2)
		rateBackward(act, v, dr, d1)
		rateBackwardPar(act, v, dr, d2)
		for i := range r1 {
			if math.Float32bits(r1[i]) != math.Float32bits(r2[i]) || math.Float32bits(d1[i]) != math.Float32bits(d2[i]) {
				t.Fatalf("%s [%d]: serial %v/%v, parallel %v/%v", act, i, r1[i], d1[i], r2[i], d2[i])
			}
		}
	}
}

// Ops that keep their output between runs give each run's own result: run
// a training graph on x1, on x2, and on x1 again; the first and last runs
// agree bit for bit (values and gradients) and differ from the middle one.
func TestKeptBuffersAcrossRuns(t *testing.T) {
	for _, engine := range []string{EngineFused, EngineUnrolled} {
		t.Run(engine, func(t *testing.T) { testKeptBuffers(t, engine) })
	}
}

func testKeptBuffers(t *testing.T, engine string) {
	rng := rand.New(rand.NewPCG(50, 51))
	cfg := DefaultConfig()
	cfg.Engine = engine
	cfg.Dims = []int{3, 20, 2}
	cfg.Biases = Strings{"normal"}
	cfg.Masks = eiMasks(rng, 3, 20, 2, 16, 0.5)
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	const B, T = 4, 30
	g, err := m.Build(B, T, Train)
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Add(G.Must(G.Sum(G.Must(G.Square(g.Outputs)))), G.Must(G.Sum(g.Rates))))
	grads, err := G.Grad(loss, g.ParamNodes...)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g.G)
	defer vm.Close()
	run := func(x []float32) (out []float64) {
		if err := g.SetInputs(x, nil); err != nil {
			t.Fatal(err)
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		defer vm.Reset()
		for _, n := range append([]*G.Node{g.Outputs, g.Rates}, grads...) {
			v, err := nodeFloat64(n)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, v...)
		}
		return out
	}
	x1, x2 := randInputs(rng, B*T*3), randInputs(rng, B*T*3)
	a := run(x1)
	b := run(x2)
	c := run(x1)
	same, diff := true, false
	for i := range a {
		same = same && math.Float64bits(a[i]) == math.Float64bits(c[i])
		diff = diff || a[i] != b[i]
	}
	if !same || !diff {
		t.Fatalf("runs on x1, x2, x1: first and last identical = %v (want true), middle differs = %v (want true)", same, diff)
	}
}
