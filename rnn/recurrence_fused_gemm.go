package rnn

// The pure-Go path's float32 product for the fused recurrence: gonum's generic Sgemm reaches
// about 20 GFLOP/s here, far from the machine's rate, so on amd64 with AVX2 and FMA the fused
// kernels use small register-blocked assembly kernels (4 rows × 16 columns with AVX2, 4 rows ×
// 32 columns with AVX-512 where the CPU has it; no packing: the operands are read in place
// through strides). Everything else goes to internal/blas.

import (
	"fmt"
	"runtime"
	"sync"
)

// fusedKC is the depth of one pass of the kernel: a 16-column panel of B, fusedKC rows deep,
// is 16 KiB and stays in L1 while the row groups of A stream past it.
const fusedKC = 256

// fusedSgemm computes C = op(A)·B (C's previous contents are overwritten) with the assembly
// kernel. A(i,l) is a[i*lda+l], or a[l*lda+i] when transA; B(l,j) is b[l*ldb+j]; C(i,j) is
// c[i*ldc+j]. workers ≤ 0 spreads large products over GOMAXPROCS goroutines; 1 keeps it in the
// calling goroutine. The caller checks fusedHasKernel.
func fusedSgemm(transA bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, workers int) {
	if m <= 0 || n <= 0 {
		return
	}
	for i := 0; i < m; i++ {
		clear(c[i*ldc : i*ldc+n])
	}
	if k <= 0 {
		return
	}
	rs, cs := lda, 1
	if transA {
		rs, cs = 1, lda
	}
	// Every address the kernel touches must lie inside the slices.
	if last := (m-1)*rs + (k-1)*cs; last >= len(a) {
		panic(fmt.Sprintf("rnn: fusedSgemm: A needs %d elements, has %d", last+1, len(a)))
	}
	if last := (k-1)*ldb + n - 1; last >= len(b) {
		panic(fmt.Sprintf("rnn: fusedSgemm: B needs %d elements, has %d", last+1, len(b)))
	}
	if last := (m-1)*ldc + n - 1; last >= len(c) {
		panic(fmt.Sprintf("rnn: fusedSgemm: C needs %d elements, has %d", last+1, len(c)))
	}
	// Column panels: 32 wide with AVX-512, then at most one 16 wide with AVX2.
	m4 := m / 4 * 4
	n32 := 0
	if fusedHasKernel512 {
		n32 = n / 32 * 32
	}
	n16 := n32 + (n-n32)/16*16
	groups, panels32 := m4/4, n32/32
	panels := panels32 + (n16-n32)/16
	// run computes row groups [g0, g1) (4 rows each) × column panels [p0, p1) (16 columns each),
	// depth fusedKC at a time. Transposed A is read in place (4 neighbouring values per depth
	// step): copying it into packed strips first was measured slower.
	run := func(g0, g1, p0, p1 int) {
		for l0 := 0; l0 < k; l0 += fusedKC {
			kc := min(fusedKC, k-l0)
			for p := p0; p < p1; p++ {
				if p < panels32 {
					j := p * 32
					bp := &b[l0*ldb+j]
					for g := g0; g < g1; g++ {
						i := 4 * g
						fusedKernel4x32(kc, &a[i*rs+l0*cs], rs, cs, bp, ldb, &c[i*ldc+j], ldc)
					}
					continue
				}
				j := n32 + (p-panels32)*16
				bp := &b[l0*ldb+j]
				for g := g0; g < g1; g++ {
					i := 4 * g
					fusedKernel4x16(kc, &a[i*rs+l0*cs], rs, cs, bp, ldb, &c[i*ldc+j], ldc)
				}
			}
		}
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
		if 2*m*n*k < 1<<21 {
			workers = 1
		}
	}
	// Plain A: workers take column panels (each reads its panels of B once per depth block).
	// Transposed A: workers take row groups.
	units := panels
	if transA {
		units = groups
	}
	workers = max(1, min(workers, units))
	part := func(w int) {
		u0, u1 := w*units/workers, (w+1)*units/workers
		if transA {
			run(u0, u1, 0, panels)
		} else {
			run(0, groups, u0, u1)
		}
	}
	if groups > 0 && panels > 0 {
		var wg sync.WaitGroup
		for w := 1; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				part(w)
			}()
		}
		part(0)
		wg.Wait()
	}
	// edges: the last m%4 rows (all columns) and the last n%16 columns (other rows)
	at := func(i, l int) float32 { return a[i*rs+l*cs] }
	for i := 0; i < m; i++ {
		j0 := n16
		if i >= m4 {
			j0 = 0
		}
		if j0 >= n {
			continue
		}
		row := c[i*ldc+j0 : i*ldc+n]
		for l := 0; l < k; l++ {
			x := at(i, l)
			if x == 0 {
				continue
			}
			br := b[l*ldb+j0 : l*ldb+n]
			for j := range row {
				row[j] += x * br[j]
			}
		}
	}
}
