//go:build !purego

package rnn

import "golang.org/x/sys/cpu"

// fusedHasKernel reports whether the AVX2/FMA float32 kernel can run here.
var fusedHasKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// fusedKernel4x16 computes C[i][0:16] += Σ_{l<k} a[i*rs + l*cs] · b[l*ldb + 0:16] for i < 4
// (strides in elements, k ≥ 1). The caller guarantees every address read or written is inside
// its slice.
//
//go:noescape
func fusedKernel4x16(k int, a *float32, rs, cs int, b *float32, ldb int, c *float32, ldc int)

// fusedHasKernel512 reports whether the AVX-512 variant can run here.
var fusedHasKernel512 = fusedHasKernel && cpu.X86.HasAVX512F

// fusedKernel4x32 is fusedKernel4x16 for 32 columns, with AVX-512.
//
//go:noescape
func fusedKernel4x32(k int, a *float32, rs, cs int, b *float32, ldb int, c *float32, ldc int)
