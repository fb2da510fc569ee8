package rnn

// The fused recurrence's kernels: the whole time loop forward and its backward through time, for
// float32 and float64, with products on internal/blas or (pure-Go path, float32) the package's
// assembly kernels. Layout is batch-major [B,T,N] throughout: row b of step s lies at
// (b*T+s)*N, so step s is a B×N matrix with leading dimension T*N and no transposes are needed.
// Elementwise work (leak, activation, derivative, noise) is fused into one pass per row, and all
// buffers are kept from run to run: steady state allocates almost nothing.

import (
	"math"
	"runtime"
	"sync"
	"unsafe"

	gblas "gonum.org/v1/gonum/blas"

	"github.com/dale-rnn/dale/internal/blas"
)

// fusedGemm computes C = alpha·op(A)·op(B) + beta·C with the BLAS chosen by internal/blas, or
// with the assembly kernel (see fusedUseKernel). serial keeps the assembly kernel in the calling
// goroutine (its caller runs parts in parallel).
func fusedGemm[T fusedFloat](serial bool, tA, tB gblas.Transpose, m, n, k int, alpha T, a []T, lda int,
	b []T, ldb int, beta T, c []T, ldc int) {
	var z T
	if unsafe.Sizeof(z) == 4 {
		if fusedUseKernel(tA, tB, alpha, beta) {
			workers := 0
			if serial {
				workers = 1
			}
			fusedSgemm(tA == gblas.Trans, m, n, k, *(*[]float32)(unsafe.Pointer(&a)), lda,
				*(*[]float32)(unsafe.Pointer(&b)), ldb, *(*[]float32)(unsafe.Pointer(&c)), ldc, workers)
			return
		}
		blas.Float32().Sgemm(tA, tB, m, n, k, float32(alpha),
			*(*[]float32)(unsafe.Pointer(&a)), lda, *(*[]float32)(unsafe.Pointer(&b)), ldb,
			float32(beta), *(*[]float32)(unsafe.Pointer(&c)), ldc)
		return
	}
	blas.Float64().Dgemm(tA, tB, m, n, k, float64(alpha),
		*(*[]float64)(unsafe.Pointer(&a)), lda, *(*[]float64)(unsafe.Pointer(&b)), ldb,
		float64(beta), *(*[]float64)(unsafe.Pointer(&c)), ldc)
}

// fusedUseKernel says whether a float32 product goes to the assembly kernel: when the pure-Go
// BLAS is in use, the CPU has AVX2 and FMA, and the product is one the kernel does.
func fusedUseKernel[T fusedFloat](tA, tB gblas.Transpose, alpha, beta T) bool {
	return fusedHasKernel && tB == gblas.NoTrans && alpha == 1 && beta == 0 && blas.Name() == blas.Go
}

// actBoth writes r[i] = f(v[i]) and d[i] = f'(v[i]) in one pass, with the firing-rate functions
// of activation.go in T's arithmetic.
func actBoth[T fusedFloat](k actKind, v, r, d []T) {
	r = r[:len(v)]
	d = d[:len(v)]
	switch k {
	case actReLU:
		var z T
		if unsafe.Sizeof(z) == 4 {
			actReLU32(*(*[]float32)(unsafe.Pointer(&v)), *(*[]float32)(unsafe.Pointer(&r)), *(*[]float32)(unsafe.Pointer(&d)))
		} else {
			actReLU64(*(*[]float64)(unsafe.Pointer(&v)), *(*[]float64)(unsafe.Pointer(&r)), *(*[]float64)(unsafe.Pointer(&d)))
		}
	case actTanh:
		for i, x := range v {
			t := tanhT(x)
			r[i], d[i] = t, tanhDT(t)
		}
	case actSigmoid:
		for i, x := range v {
			s := actSigmoidT(x)
			r[i], d[i] = s, sigmoidDT(s)
		}
	case actReTanh:
		for i, x := range v {
			if x > 0 {
				t := tanhT(x)
				r[i], d[i] = t, tanhDT(t)
			} else {
				r[i], d[i] = 0, 0
			}
		}
	case actSoftplus:
		for i, x := range v {
			r[i], d[i] = actSoftplusT(x), actSigmoidT(x)
		}
	}
}

// actReLU32 writes r = max(v, 0) and d = [v > 0] without branches (reluKeep32).
func actReLU32(v, r, d []float32) {
	r = r[:len(v)]
	d = d[:len(v)]
	for i, x := range v {
		keep := reluKeep32(x)
		r[i] = math.Float32frombits(math.Float32bits(x) & keep)
		d[i] = math.Float32frombits(0x3f800000 & keep)
	}
}

// actReLU64 is actReLU32 for float64.
func actReLU64(v, r, d []float64) {
	r = r[:len(v)]
	d = d[:len(v)]
	for i, x := range v {
		keep := reluKeep64(x)
		r[i] = math.Float64frombits(math.Float64bits(x) & keep)
		d[i] = math.Float64frombits(0x3ff0000000000000 & keep)
	}
}

// fusedState holds what one fused recurrence keeps between its forward and its backward, and the
// buffers both reuse from run to run (allocated on first use).
type fusedState[T fusedFloat] struct {
	kind    actKind
	B, T, N int
	workers int // the most parts the batch is split into; 0: runtime.GOMAXPROCS(0) for large enough problems (tests set it)

	noAlphaGrad bool // alpha is fixed: the backward leaves dα at zero and skips its work

	rprev  []T // [B,T,N]: r_s at step s (r_0 = f(h0)), the rates each step's product reads
	fprime []T // [B,T,N]: f'(v_s) at step s (v_0 = h0)
	h0r    []T // [N] scratch: f(h0)
	h0d    []T // [N] scratch: f'(h0)

	tmp  []T       // [B,N]: (α⊙δ_{s+1}) Wᵀ (backward)
	wt   []T       // [N,N]: diag(α) Wᵀ, so the per-step backward product reads δ directly
	keep []T       // [N]: 1 − α
	dacc []float64 // [parts×N]: dL/dα accumulators, one per batch part
	sacc []T       // [parts×N]: one step's part of dL/dα, one per batch part
	dh   []T       // [parts×N]: dL/dh0 partial sums, one per batch part
	part []T       // [(parts−1)×N×N]: the weight gradient's partial sums of parts 1, 2, ...
}

func (st *fusedState[T]) ensureForward() {
	if st.rprev == nil {
		n := st.B * st.T * st.N
		st.rprev = make([]T, n)
		st.fprime = make([]T, n)
		st.h0r = make([]T, st.N)
		st.h0d = make([]T, st.N)
	}
}

func (st *fusedState[T]) ensureBackward(parts int) {
	if st.tmp == nil {
		st.tmp = make([]T, st.B*st.N)
		st.wt = make([]T, st.N*st.N)
		st.keep = make([]T, st.N)
	}
	if len(st.dacc) < parts*st.N {
		st.dacc = make([]float64, parts*st.N)
		st.sacc = make([]T, parts*st.N)
		st.dh = make([]T, parts*st.N)
	}
	if len(st.part) < (parts-1)*st.N*st.N {
		st.part = make([]T, (parts-1)*st.N*st.N)
	}
}

// fusedSplits says whether the fused op runs its own goroutines because each product runs in the
// calling thread: the assembly kernel (float32, pure-Go BLAS), or OpenBLAS set to one thread
// (internal/blas's default: see its package doc). gonum's float64 products and a multi-threaded
// OpenBLAS parallelise each product themselves.
func fusedSplits[T fusedFloat]() bool {
	if blas.Name() == blas.OpenBLAS {
		return blas.Threads() == 1
	}
	var z T
	return unsafe.Sizeof(z) == 4 && fusedUseKernel(gblas.NoTrans, gblas.NoTrans, T(1), T(0))
}

// parts splits the batch rows among workers. Batch rows are independent through the whole time
// loop, so each worker runs its rows' recurrence on its own, with no synchronisation per step,
// and calls the products on its rows in its own goroutine (see fusedSplits); otherwise there is
// one part.
func (st *fusedState[T]) parts() [][2]int {
	if !fusedSplits[T]() {
		return [][2]int{{0, st.B}}
	}
	p := min(runtime.GOMAXPROCS(0), st.B/4)
	if st.workers > 0 {
		p = min(st.workers, st.B/4)
	} else if 2*st.B*st.N*st.N < 1<<20 {
		p = 1
	}
	if p <= 1 {
		return [][2]int{{0, st.B}}
	}
	out := make([][2]int, p)
	for w := range out {
		// multiples of 4 rows, the kernel's height
		out[w] = [2]int{w * st.B / p / 4 * 4, (w + 1) * st.B / p / 4 * 4}
	}
	out[p-1][1] = st.B
	return out
}

// fusedParallel runs f(w, b0, b1) for each part, the first in the calling goroutine.
func fusedParallel(parts [][2]int, f func(w, b0, b1 int)) {
	if len(parts) == 1 {
		f(0, parts[0][0], parts[0][1])
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < len(parts); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w, parts[w][0], parts[w][1])
		}()
	}
	f(0, parts[0][0], parts[0][1])
	wg.Wait()
}

// forward runs the T steps: V (out) [B,T,N] from I [B,T,N], W [N,N], alpha [N], h0 [N] and the
// optional noise xi, eta [B,T,N] (nil = none).
func (st *fusedState[T]) forward(out, I, W, alpha, h0, xi, eta []T) {
	st.ensureForward()
	actBoth(st.kind, h0, st.h0r, st.h0d)
	parts := st.parts()
	fusedParallel(parts, func(_, b0, b1 int) {
		st.forwardRows(b0, b1, len(parts) > 1, out, I, W, alpha, h0, xi, eta)
	})
}

// forwardRows runs the recurrence of batch rows [b0, b1). serial: the products run in the
// calling goroutine.
func (st *fusedState[T]) forwardRows(b0, b1 int, serial bool, out, I, W, alpha, h0, xi, eta []T) {
	S, N := st.T, st.N
	ld := S * N
	for b := b0; b < b1; b++ {
		copy(st.rprev[b*ld:b*ld+N], st.h0r)
		copy(st.fprime[b*ld:b*ld+N], st.h0d)
	}
	al := alpha[:N]
	for s := 0; s < S; s++ {
		// out_s = r_s W (the product lands straight in V's step-s rows)
		o0 := b0*ld + s*N
		fusedGemm(serial, gblas.NoTrans, gblas.NoTrans, b1-b0, N, N, 1, st.rprev[o0:], ld, W, N, 0, out[o0:], ld)
		for b := b0; b < b1; b++ {
			o := b*ld + s*N
			row := out[o : o+N]
			in := I[o : o+N]
			var prev []T
			if s == 0 {
				prev = h0
			} else {
				prev = out[o-N : o]
			}
			prev = prev[:len(row)]
			in = in[:len(row)]
			al := al[:len(row)]
			for n := range row {
				a := al[n]
				row[n] = (1-a)*prev[n] + a*(row[n]+in[n])
			}
			if xi != nil {
				x := xi[o : o+N]
				for n := range row {
					row[n] += x[n]
				}
			}
			if s+1 < S {
				r := st.rprev[o+N : o+2*N]
				actBoth(st.kind, row, r, st.fprime[o+N:o+2*N])
				if eta != nil {
					e := eta[o : o+N]
					for n := range r {
						r[n] += e[n]
					}
				}
			}
		}
	}
}

// backward computes, from the forward's saved state, V, the inputs and gV = dL/dV, the
// gradients dI [B,T,N], dW [N,N], dalpha [N] and dh0 [N] (all overwritten).
//
// With δ_s = dL/dv_s (total) and a_s = α⊙δ_s, going back from s = T−1:
//
//	δ_s  = gV_s + (1−α)⊙δ_{s+1} + f'(v_s)⊙(a_{s+1} Wᵀ)
//	dI_s = a_s,  dW = Σ_s r_{s−1}ᵀ a_s,  dα = Σ δ_s⊙(r_{s−1}W + I_s − v_{s−1}),
//	dh0  = Σ_b (1−α)⊙δ_1 + f'(h0)⊙(a_1 Wᵀ)
//
// (steps numbered from 1 here as in the dynamics). δ is kept in dI's memory until the end, the
// per-step product uses diag(α)Wᵀ so it reads δ directly, and batch rows run in parallel parts
// as in the forward. The weight gradient is one product over all B·T rows with one part; with
// several, each part computes its share over its own (b1−b0)·T rows as soon as its time loop
// ends (no barrier), and the shares are added in part order (so dW's rounding, like dα's,
// depends on the number of parts, never on timing).
func (st *fusedState[T]) backward(dI, dW, dalpha, dh0, I, W, alpha, h0, V, gV []T) {
	parts := st.parts()
	st.ensureBackward(len(parts))
	S, N := st.T, st.N
	al := alpha[:N]
	for n, a := range al {
		st.keep[n] = 1 - a
	}
	// wt[n][m] = α_n W[m][n], so that δ_s·wt = (α⊙δ_s) Wᵀ
	fusedTranspose(st.wt, W, N, N)
	for n := 0; n < N; n++ {
		row := st.wt[n*N : n*N+N]
		a := al[n]
		for m := range row {
			row[m] *= a
		}
	}
	split := len(parts) > 1
	fusedParallel(parts, func(w, b0, b1 int) {
		st.backwardRows(w, b0, b1, split, dI, I, alpha, h0, V, gV)
		// This part's share of P = Σ_s r_sᵀ δ_s: its rows of rprev and δ, seen as [B·T, N]
		// matrices, are contiguous, so the share is one product over (b1−b0)·T rows, into dW for
		// the first part and into a partial buffer for the others.
		r0, r1 := b0*S*N, b1*S*N
		p := dW
		if w > 0 {
			p = st.part[(w-1)*N*N : w*N*N]
		}
		fusedGemm(split, gblas.Trans, gblas.NoTrans, N, N, (b1-b0)*S, 1, st.rprev[r0:r1], N, dI[r0:r1], N, 0, p, N)
		// dI = α⊙δ on this part's rows (δ is not needed any more)
		for i := r0; i < r1; i += N {
			row := dI[i : i+N]
			for n := range row {
				row[n] *= al[n]
			}
		}
	})
	acc := st.dacc[:N]
	dh := dh0[:N]
	copy(dh, st.dh[:N])
	for w := 1; w < len(parts); w++ {
		for n, x := range st.dacc[w*N : w*N+N] {
			acc[n] += x
		}
		for n, x := range st.dh[w*N : w*N+N] {
			dh[n] += x
		}
	}
	if split {
		// dW += the other parts' shares, in part order, blocks of rows in parallel
		rows := make([][2]int, len(parts))
		for w := range rows {
			rows[w] = [2]int{w * N / len(parts), (w + 1) * N / len(parts)}
		}
		fusedParallel(rows, func(_, m0, m1 int) {
			d := dW[m0*N : m1*N]
			for w := 1; w < len(parts); w++ {
				p := st.part[(w-1)*N*N+m0*N : (w-1)*N*N+m1*N]
				p = p[:len(d)]
				for i := range d {
					d[i] += p[i]
				}
			}
		})
	}
	// dW holds P; dα += Σ_m W[m,n] P[m,n] (the r W part of x − v_prev) and dW = P·diag(α).
	if st.noAlphaGrad {
		for m := 0; m < N; m++ {
			dw := dW[m*N : m*N+N]
			for n := range dw {
				dw[n] *= al[n]
			}
		}
		clear(dalpha[:N])
		return
	}
	for m := 0; m < N; m++ {
		dw := dW[m*N : m*N+N]
		wr := W[m*N : m*N+N]
		for n := range dw {
			acc[n] += float64(wr[n] * dw[n])
			dw[n] *= al[n]
		}
	}
	for n := range acc {
		dalpha[n] = T(acc[n])
	}
}

// backwardRows runs the backward time loop for batch rows [b0, b1) as part w: δ into delta (dI's
// memory), its part of dα's accumulator (Σ δ⊙(I − v_prev)) into st.dacc[w] and its part of dh0
// into st.dh[w].
func (st *fusedState[T]) backwardRows(w, b0, b1 int, serial bool, delta, I, alpha, h0, V, gV []T) {
	S, N := st.T, st.N
	ld := S * N
	keep := st.keep[:N]
	acc := st.dacc[w*N : w*N+N]
	clear(acc)
	// the step's part of dα, summed over this part's rows in T, then added to acc in float64
	sacc := st.sacc[w*N : w*N+N]
	for s := S - 1; s >= 0; s-- {
		clear(sacc)
		for b := b0; b < b1; b++ {
			o := b*ld + s*N
			d := delta[o : o+N]
			g := gV[o : o+len(d)]
			in := I[o : o+len(d)]
			var prev []T
			if s == 0 {
				prev = h0
			} else {
				prev = V[o-N : o]
			}
			prev = prev[:len(d)]
			sa := sacc[:len(d)]
			switch {
			case s == S-1:
				copy(d, g)
				if !st.noAlphaGrad {
					for n, dn := range d {
						sa[n] += dn * (in[n] - prev[n])
					}
				}
			case st.noAlphaGrad:
				dNext := delta[o+N : o+N+len(d)]
				fNext := st.fprime[o+N : o+N+len(d)]
				tm := st.tmp[b*N : b*N+len(d)]
				kp := keep[:len(d)]
				for n := range d {
					d[n] = g[n] + kp[n]*dNext[n] + fNext[n]*tm[n]
				}
			default:
				dNext := delta[o+N : o+N+len(d)]
				fNext := st.fprime[o+N : o+N+len(d)]
				tm := st.tmp[b*N : b*N+len(d)]
				kp := keep[:len(d)]
				for n := range d {
					dn := g[n] + kp[n]*dNext[n] + fNext[n]*tm[n]
					d[n] = dn
					sa[n] += dn * (in[n] - prev[n])
				}
			}
		}
		for n, x := range sacc {
			acc[n] += float64(x)
		}
		// tmp = (α⊙δ_s) Wᵀ: what step s sends back to the rates of step s−1
		o0 := b0*ld + s*N
		fusedGemm(serial, gblas.NoTrans, gblas.NoTrans, b1-b0, N, N, 1, delta[o0:], ld, st.wt, N, 0, st.tmp[b0*N:], N)
	}
	// dh0: v_0 = h0 and r_0 = f(h0) feed step 0 in every batch row.
	dh := st.dh[w*N : w*N+N]
	clear(dh)
	for b := b0; b < b1; b++ {
		d := delta[b*ld : b*ld+N]
		f := st.fprime[b*ld : b*ld+N]
		tm := st.tmp[b*N : b*N+N]
		for n := range dh {
			dh[n] += keep[n]*d[n] + f[n]*tm[n]
		}
	}
}

// fusedTranspose writes the cols×rows transpose of the rows×cols row-major src into dst, in
// cache-sized tiles.
func fusedTranspose[T fusedFloat](dst, src []T, rows, cols int) {
	const tile = 32
	for i0 := 0; i0 < rows; i0 += tile {
		i1 := min(i0+tile, rows)
		for j0 := 0; j0 < cols; j0 += tile {
			j1 := min(j0+tile, cols)
			for i := i0; i < i1; i++ {
				row := src[i*cols+j0 : i*cols+j1]
				for j, x := range row {
					dst[(j0+j)*rows+i] = x
				}
			}
		}
	}
}
