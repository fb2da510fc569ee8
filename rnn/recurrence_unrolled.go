package rnn

import (
	"fmt"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// recurrenceDims holds the sizes both engines check their inputs against.
type recurrenceDims struct {
	B, T, N int
	dtype   tensor.Dtype
}

// recurrenceCheck validates the engines' inputs: I [B,T,N], W [N,N], alpha [N], h0 [N], and xi,
// eta [B,T,N] or nil, all float32 or all float64, in one graph.
func recurrenceCheck(act Activation, I, W, alpha, h0, xi, eta *G.Node) (recurrenceDims, error) {
	var d recurrenceDims
	if err := act.Validate(); err != nil {
		return d, err
	}
	for _, p := range []struct {
		name string
		n    *G.Node
	}{{"I", I}, {"W", W}, {"alpha", alpha}, {"h0", h0}} {
		if p.n == nil {
			return d, fmt.Errorf("recurrence: %s is nil", p.name)
		}
	}
	s := I.Shape()
	if len(s) != 3 || s[0] < 1 || s[1] < 1 || s[2] < 1 {
		return d, fmt.Errorf("recurrence: I has shape %v: must be [batch, steps, N]", s)
	}
	d.B, d.T, d.N = s[0], s[1], s[2]
	d.dtype = I.Dtype()
	if d.dtype != tensor.Float32 && d.dtype != tensor.Float64 {
		return d, fmt.Errorf("recurrence: I has dtype %v: must be float32 or float64", d.dtype)
	}
	check := func(name string, n *G.Node, want tensor.Shape) error {
		if n == nil {
			return nil
		}
		if n.Graph() != I.Graph() {
			return fmt.Errorf("recurrence: %s is in another graph than I", name)
		}
		if !n.Shape().Eq(want) {
			return fmt.Errorf("recurrence: %s has shape %v: must be %v", name, n.Shape(), want)
		}
		if n.Dtype() != d.dtype {
			return fmt.Errorf("recurrence: %s has dtype %v: must be %v like I", name, n.Dtype(), d.dtype)
		}
		return nil
	}
	for _, c := range []struct {
		name string
		n    *G.Node
		want tensor.Shape
	}{
		{"W", W, tensor.Shape{d.N, d.N}},
		{"alpha", alpha, tensor.Shape{d.N}},
		{"h0", h0, tensor.Shape{d.N}},
		{"xi", xi, tensor.Shape{d.B, d.T, d.N}},
		{"eta", eta, tensor.Shape{d.B, d.T, d.N}},
	} {
		if err := check(c.name, c.n, c.want); err != nil {
			return d, err
		}
	}
	return d, nil
}

// unrolledRecurrence builds the recurrence as a plain per-step gorgonia graph (the reference
// engine): for t = 1..T
//
//	v_t = (1−α)⊙v_{t−1} + α⊙(r_{t−1} W + I_t) + ξ_t,   r_t = f(v_t) + η_t,
//
// with v_0 = h0 and r_0 = f(h0) broadcast over the batch. It returns V [B,T,N] (v_1..v_T). Steps
// are taken apart and put together with stepRangeOp / stepStackOp, never gorgonia's Slice or
// Concat. The graph grows linearly with T.
func unrolledRecurrence(act Activation, I, W, alpha, h0, xi, eta *G.Node) (*G.Node, error) {
	d, err := recurrenceCheck(act, I, W, alpha, h0, xi, eta)
	if err != nil {
		return nil, err
	}
	wrap := func(what string, err error) error {
		return fmt.Errorf("unrolled recurrence: %s: %w", what, err)
	}
	// Broadcast alpha and h0 over the batch by a product with a column of ones, so their
	// gradients are sums over the batch.
	var ones *tensor.Dense
	var one *G.Node
	if d.dtype == tensor.Float32 {
		b := make([]float32, d.B)
		for i := range b {
			b[i] = 1
		}
		ones = tensor.New(tensor.WithShape(d.B, 1), tensor.WithBacking(b))
		one = G.NewConstant(float32(1))
	} else {
		b := make([]float64, d.B)
		for i := range b {
			b[i] = 1
		}
		ones = tensor.New(tensor.WithShape(d.B, 1), tensor.WithBacking(b))
		one = G.NewConstant(float64(1))
	}
	onesB := G.NewConstant(ones, G.WithName(fmt.Sprintf("dale.ones[%d,1,%v]", d.B, d.dtype)))
	broadcast := func(n *G.Node, name string) (*G.Node, error) {
		row, err := G.Reshape(n, tensor.Shape{1, d.N})
		if err != nil {
			return nil, wrap("reshape "+name, err)
		}
		out, err := G.Mul(onesB, row)
		if err != nil {
			return nil, wrap("broadcast "+name, err)
		}
		return out, nil
	}
	alphaB, err := broadcast(alpha, "alpha")
	if err != nil {
		return nil, err
	}
	keepB, err := G.Sub(one, alphaB)
	if err != nil {
		return nil, wrap("1−alpha", err)
	}
	v, err := broadcast(h0, "h0")
	if err != nil {
		return nil, err
	}
	r, err := act.Node(v)
	if err != nil {
		return nil, wrap("f(h0)", err)
	}

	in, err := stepSplit(I, d.T)
	if err != nil {
		return nil, wrap("split I", err)
	}
	var xis, etas []*G.Node
	if xi != nil {
		if xis, err = stepSelectAll(xi, d.T); err != nil {
			return nil, wrap("split xi", err)
		}
	}
	if eta != nil {
		if etas, err = stepSelectAll(eta, d.T); err != nil {
			return nil, wrap("split eta", err)
		}
	}

	vs := make([]*G.Node, d.T)
	for t := 0; t < d.T; t++ {
		x, err := G.Mul(r, W)
		if err != nil {
			return nil, wrap(fmt.Sprintf("step %d: r W", t), err)
		}
		if x, err = G.Add(x, in[t]); err != nil {
			return nil, wrap(fmt.Sprintf("step %d: + I", t), err)
		}
		a, err := G.HadamardProd(alphaB, x)
		if err != nil {
			return nil, wrap(fmt.Sprintf("step %d: alpha⊙x", t), err)
		}
		k, err := G.HadamardProd(keepB, v)
		if err != nil {
			return nil, wrap(fmt.Sprintf("step %d: (1−alpha)⊙v", t), err)
		}
		if v, err = G.Add(k, a); err != nil {
			return nil, wrap(fmt.Sprintf("step %d: v", t), err)
		}
		if xi != nil {
			if v, err = G.Add(v, xis[t]); err != nil {
				return nil, wrap(fmt.Sprintf("step %d: + xi", t), err)
			}
		}
		vs[t] = v
		if t == d.T-1 {
			break // r_T is not needed
		}
		if r, err = act.Node(v); err != nil {
			return nil, wrap(fmt.Sprintf("step %d: f(v)", t), err)
		}
		if eta != nil {
			if r, err = G.Add(r, etas[t]); err != nil {
				return nil, wrap(fmt.Sprintf("step %d: + eta", t), err)
			}
		}
	}
	out, err := G.ApplyOp(stepStackOp{steps: d.T}, vs...)
	if err != nil {
		return nil, wrap("stack", err)
	}
	return out, nil
}
